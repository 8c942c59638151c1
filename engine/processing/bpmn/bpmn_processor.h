// The BPMN element lifecycle, as Zeebe runs it: ACTIVATE_ELEMENT,
// COMPLETE_ELEMENT and TERMINATE_ELEMENT commands (and CANCEL of a process
// instance) move element instances through ELEMENT_ACTIVATING, _ACTIVATED,
// _COMPLETING, _COMPLETED (or _TERMINATING, _TERMINATED); completing an
// element takes its outgoing sequence flows, and a scope whose last path
// ended completes. What differs per element type lives in OnActivated.
//
// Events: an element instance that waits for events (an intermediate catch
// event, a receive task, an event-based gateway, an activity with boundary
// events, a scope with timer or message event sub-processes) opens their
// subscriptions (TIMER CREATED, PROCESS_MESSAGE_SUBSCRIPTION CREATING) while
// it activates and closes those left when it completes or terminates. A
// caught event goes through TriggerEvent; a thrown error finds its catch
// event with FindErrorCatch (errors.cc).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/processing/bpmn/expressions.h"
#include "engine/processing/bpmn/variables.h"
#include "engine/processing/processing_context.h"
#include "engine/processing/timers.h"

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

  // Whether the element instance `scope_key` accepts the event `event_id`:
  // it is active, and no event that interrupts it was caught first (but for
  // its boundary events once an event sub-process interrupted it).
  bool AcceptsEvent(int64_t scope_key, const std::string& event_id);

  // Catches an event for the element instance `scope_key`. `event_id` is the
  // catching element: the scope itself (intermediate catch event, receive
  // task), one of its boundary events, or an event after it when the scope
  // is an event-based gateway. Writes PROCESS_EVENT TRIGGERING, then: a
  // catch event or receive task completes; an event-based gateway completes
  // and activates the event; an interrupting boundary event terminates the
  // scope (its children, job and subscriptions) and is activated once the
  // scope is terminated; a non-interrupting one is activated at once, the
  // scope going on. The start event of an event sub-process inside the
  // scope activates the event sub-process in the scope: an interrupting one
  // once the scope's other children are terminated, a non-interrupting one
  // at once. `variables` (a JSON object as text, or empty) are the event's
  // output, applied when the catching element completes.
  // REQUIRES: AcceptsEvent(scope_key, event_id).
  void TriggerEvent(int64_t scope_key, const std::string& event_id, const std::string& variables);

  // Where a thrown BPMN error is caught: the element instance whose boundary
  // event or event sub-process catches it, and that catch event.
  struct ErrorCatch {
    int64_t scope_key = -1;
    std::string event_id;
  };
  // Finds the catch event for an error with `code` thrown inside the element
  // instance `key` (which may catch it itself with a boundary event), as
  // Zeebe does: from the innermost scope outward, up through the call
  // activities of called processes, stopping at an interrupted scope;
  // within a scope, catch events with a code before catch-all ones. An
  // uncaught error is a NotFound status carrying Zeebe's incident message
  // (which names `message`, a job's error message, when not empty).
  Result<ErrorCatch> FindErrorCatch(int64_t key, const std::string& code,
                                    const std::string& message);

  // Creates an instance of `process` that starts at its (timer or message)
  // start event `start_event_id`, with `variables` on the process instance.
  // Returns the process instance key.
  int64_t StartInstanceAt(const DeployedProcess& process, const std::string& start_event_id,
                          const nlohmann::json& variables);

  // The schedule of the timer of `event`, its expression (if any) evaluated
  // in the scope `scope_key` (-1: without variables).
  Result<TimerSchedule> EvaluateTimer(const bpmn::Element& event, int64_t scope_key);

 private:
  // A live element instance with its model.
  struct Instance {
    int64_t key = -1;
    std::shared_ptr<const DeployedProcess> process;
    // The element; null for the process itself.
    const bpmn::Element* element = nullptr;
    state::fb::ElementInstanceT stored;
    // Activated by a caught event (a boundary event, the event after an
    // event-based gateway): it does not wait for it again.
    bool triggered = false;
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

  // The start event of the event sub-process that interrupted `scope`; null
  // when none did (no event, or a boundary event or event-based gateway's).
  static const bpmn::Element* InterruptingEventSubProcessStart(
      const bpmn::Process& model, const state::fb::ElementInstanceT& scope);

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
  // Error end events (errors.cc): the error goes to its catch event, the
  // end event staying activated until its scope is terminated; an uncaught
  // error raises an UNHANDLED_ERROR_EVENT incident.
  void ThrowError(Instance& instance);
  // The error catch events of an element instance, in the order Zeebe tries
  // them (before sorting by code): its event sub-processes' error start
  // events, last in the document first, then its error boundary events.
  std::vector<const bpmn::Element*> ErrorCatchEventsOf(const Instance& instance) const;
  void StartTermination(Instance& instance);
  void FinishTermination(Instance& instance);

  void TakeFlows(Instance& instance, const std::vector<bpmn::FlowIndex>& flows);
  // Writes ACTIVATE_ELEMENT for `element` inside the scope `scope` (for a
  // multi-instance activity, its body; inside a body, an inner instance),
  // with `key` as the new element instance's key (-1: a new key).
  void ActivateChild(const Instance& scope, const bpmn::Element& element, int64_t key = -1);

  // Opens the subscriptions of the events `instance` waits for (its own
  // unless it was triggered, its boundary events', an event-based
  // gateway's). Every expression is evaluated first: on a failure nothing is
  // opened, an incident is raised and false returned.
  bool OpenEventSubscriptions(Instance& instance);
  // The events whose subscriptions (timers, message subscriptions) belong to
  // `instance`.
  std::vector<const bpmn::Element*> EventsToSubscribe(const Instance& instance) const;
  // Cancels the timers and deletes the message subscriptions of `instance`
  // (only those of its event sub-processes' start events when
  // `event_sub_processes_only`).
  void CloseEventSubscriptions(const Instance& instance, bool event_sub_processes_only = false);
  // The interrupting event caught for `instance` (terminated now): activates
  // a boundary event if the flow scope still runs and returns true;
  // otherwise drops the event and returns false.
  bool ActivateInterruptingEvent(const Instance& instance);
  // An event caught by the start event of an event sub-process in `scope`.
  void TriggerEventSubProcess(Instance& scope, const bpmn::Element& start);
  // The event sub-process `instance` activated: its start event takes over
  // the oldest trigger waiting for it in the scope.
  void ActivateEventSubProcessStart(Instance& instance);
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
