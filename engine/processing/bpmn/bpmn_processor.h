// The BPMN element lifecycle, as Zeebe runs it: ACTIVATE_ELEMENT,
// COMPLETE_ELEMENT and TERMINATE_ELEMENT commands (and CANCEL of a process
// instance) move element instances through ELEMENT_ACTIVATING, _ACTIVATED,
// _COMPLETING, _COMPLETED (or _TERMINATING, _TERMINATED); completing an
// element takes its outgoing sequence flows, and a scope whose last path
// ended completes. What differs per element type lives in OnActivated.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/processing/bpmn/expressions.h"
#include "engine/processing/bpmn/variables.h"
#include "engine/processing/processing_context.h"

namespace waggle::engine {

class BpmnProcessor {
 public:
  explicit BpmnProcessor(ProcessingContext& context);

  // PROCESS_INSTANCE commands: ACTIVATE_ELEMENT, COMPLETE_ELEMENT,
  // TERMINATE_ELEMENT, CANCEL.
  void OnCommand(const record::fb::RecordT& command);

  // Runs again the lifecycle step of an element instance that stopped at an
  // incident (activation or completion), once the incident is resolved.
  void ContinueAfterIncident(int64_t element_instance_key);

 private:
  // A live element instance with its model.
  struct Instance {
    int64_t key = -1;
    std::shared_ptr<const DeployedProcess> process;
    // The element; null for the process itself.
    const bpmn::Element* element = nullptr;
    state::fb::ElementInstanceT stored;
    record::fb::ProcessInstanceRecordT& value() { return *stored.value; }
    // A multi-instance activity runs as a body (MULTI_INSTANCE_BODY) whose
    // children are the inner instances of the activity; both have the
    // activity as their element.
    bool is_body() const {
      return stored.value->bpmn_element_type == record::fb::BpmnElementType::MULTI_INSTANCE_BODY;
    }
    bool is_inner() const { return element && element->multi_instance && !is_body(); }
  };

  // What the completion of an inner instance means for its body.
  struct InnerCompletion {
    bool condition_met = false;
    size_t collection_size = 0;
  };

  std::optional<Instance> Load(int64_t key);
  void Write(Instance& instance, record::ProcessInstanceIntent intent);

  void Activate(const record::fb::RecordT& command);
  void Complete(const record::fb::RecordT& command);
  void Terminate(const record::fb::RecordT& command);
  void Cancel(const record::fb::RecordT& command);

  // Activation after ELEMENT_ACTIVATING: input mappings, then the element's
  // own behaviour.
  void ContinueActivation(Instance& instance);
  void OnActivated(Instance& instance);
  // Completion after ELEMENT_COMPLETING: variables, output mappings,
  // ELEMENT_COMPLETED, then the outgoing flows (`flows` when the element
  // chose them, e.g. an exclusive gateway).
  void ContinueCompletion(Instance& instance,
                          std::optional<std::vector<bpmn::FlowIndex>> flows = std::nullopt);
  // ACTIVATED, COMPLETING and the rest of completion at once (elements that
  // do not wait).
  void PassThrough(Instance& instance,
                   std::optional<std::vector<bpmn::FlowIndex>> flows = std::nullopt);
  // Throw events other than errors: none passes through, message throw
  // events create their job; the rest raise an incident (not supported yet).
  void ThrowEvent(Instance& instance);
  // Error end events. Catching errors is not built yet: every thrown error
  // raises an UNHANDLED_ERROR_EVENT incident.
  void ThrowError(Instance& instance);
  void StartTermination(Instance& instance);
  void FinishTermination(Instance& instance);

  void TakeFlows(Instance& instance, const std::vector<bpmn::FlowIndex>& flows);
  // Writes ACTIVATE_ELEMENT for `element` inside the scope `scope`: for a
  // multi-instance activity, its body; inside a body, an inner instance.
  void ActivateChild(const Instance& scope, const bpmn::Element& element);
  // After a child of `scope_key` ended: completes or finishes terminating the
  // scope when nothing is left in it.
  void OnChildEnded(int64_t scope_key);
  void OnProcessCompleted(Instance& instance);

  // Multi-instance (multi_instance.cc). The body evaluates the input
  // collection, creates the output collection and starts the inner
  // instances: all at once, or one after another.
  void ActivateBody(Instance& body);
  // An inner instance, before its input mappings: the item (inputElement),
  // loopCounter, and a local outputElement variable. False: an incident was
  // raised.
  bool SetLoopVariables(Instance& inner);
  // An inner instance after its output mappings, before ELEMENT_COMPLETED:
  // updates the output collection, evaluates the completion condition and
  // the input collection. nullopt: an incident was raised.
  std::optional<InnerCompletion> BeforeInnerCompleted(Instance& inner);
  // After an inner instance completed: starts the next one (sequential),
  // or completes the body once nothing is left (or terminates the other
  // inner instances when the completion condition held).
  void AfterInnerCompleted(int64_t body_key, const InnerCompletion& completion);
  // The body completes: its output collection goes to the flow scope.
  void PropagateOutputCollection(Instance& body);

  // Call activities (call_activity.cc): the latest version of the called
  // process runs as a child process instance with the parent keys set.
  void ActivateCallActivity(Instance& call);
  // A called process ended: its call activity completes (or finishes
  // terminating).
  void OnCalledProcessEnded(const Instance& child);
  // The call activity is terminated: true when its child process instance
  // is still alive and was asked to terminate (the call activity finishes
  // terminating after it).
  bool TerminateCalledProcess(const Instance& call);

  // Exclusive gateway: the first flow whose condition holds; inclusive
  // gateway: every such flow. Both take the default flow when none holds,
  // and raise an incident (nullopt) when there is none.
  std::optional<std::vector<bpmn::FlowIndex>> ChooseFlows(Instance& instance);
  bool ApplyInputs(Instance& instance);
  bool ApplyOutputs(Instance& instance);
  void CreateJob(Instance& instance);
  void Incident(Instance& instance, record::fb::ErrorType type, std::string message,
                int64_t job_key = -1);

  ProcessingContext& context_;
  Variables variables_;
  Expressions expressions_;
};

}  // namespace waggle::engine
