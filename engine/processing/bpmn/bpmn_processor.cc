#include "engine/processing/bpmn/bpmn_processor.h"

#include <algorithm>

#include "common/record/intent.h"
#include "engine/appliers/event_applier.h"
#include "engine/processing/bpmn/element_types.h"
#include "engine/processing/incidents.h"
#include "engine/processing/messages.h"

namespace waggle::engine {

using bpmn::ElementType;
using bpmn::EventKind;
using bpmn::FlowIndex;
using nlohmann::json;
using record::ProcessEventIntent;
using record::ProcessInstanceIntent;
using record::RejectionType;
using record::fb::ErrorType;
using record::fb::ProcessInstanceRecordT;
using record::fb::RecordT;

namespace {

// Sets `path` ("a" or "a.b.c") in `document`, creating nested objects.
void SetPath(json& document, const std::string& path, json value) {
  json* node = &document;
  size_t start = 0;
  while (true) {
    size_t dot = path.find('.', start);
    std::string part =
        path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (dot == std::string::npos) {
      (*node)[part] = std::move(value);
      return;
    }
    json& child = (*node)[part];
    if (!child.is_object()) child = json::object();
    node = &child;
    start = dot + 1;
  }
}

std::string_view StateName(uint8_t intent) {
  auto name = record::IntentName(record::ValueType::kProcessInstance, intent);
  return name ? *name : "UNKNOWN";
}

bool Is(uint8_t code, ProcessInstanceIntent intent) {
  return code == record::IntentCode(intent);
}

}  // namespace

const bpmn::Element* BpmnProcessor::InterruptingEventSubProcessStart(
    const bpmn::Process& model, const state::fb::ElementInstanceT& scope) {
  if (scope.interrupting_event_key < 0) return nullptr;
  auto index = model.FindElement(scope.interrupting_event_id);
  if (!index || !model.StartsEventSubProcess(model.elements[*index])) return nullptr;
  return &model.elements[*index];
}

BpmnProcessor::BpmnProcessor(ProcessingContext& context)
    : context_(context), variables_(context), expressions_(context, variables_) {}

std::optional<BpmnProcessor::Instance> BpmnProcessor::Load(int64_t key) {
  auto stored = context_.state.element_instances.Get(key);
  if (!stored || stored->value == nullptr) return std::nullopt;
  Instance instance;
  instance.key = key;
  instance.process = context_.processes.Get(context_.state, stored->value->process_definition_key);
  if (instance.process == nullptr) return std::nullopt;
  if (stored->value->bpmn_element_type != record::fb::BpmnElementType::PROCESS) {
    auto index = instance.process->model->FindElement(stored->value->element_id);
    if (!index) return std::nullopt;
    instance.element = &instance.process->model->elements[*index];
  }
  instance.stored = std::move(*stored);
  return instance;
}

void BpmnProcessor::Write(Instance& instance, ProcessInstanceIntent intent) {
  context_.writers.Event(instance.key, intent, ProcessInstanceRecordT(instance.value()));
  instance.stored.state = record::IntentCode(intent);
}

void BpmnProcessor::OnCommand(const RecordT& command) {
  switch (static_cast<ProcessInstanceIntent>(command.intent)) {
    case ProcessInstanceIntent::kActivateElement: return Activate(command);
    case ProcessInstanceIntent::kCompleteElement: return Complete(command);
    case ProcessInstanceIntent::kTerminateElement: return Terminate(command);
    case ProcessInstanceIntent::kCancel: return Cancel(command);
    default:
      context_.writers.Rejection(command, RejectionType::kInvalidArgument,
                                 "Expected a PROCESS_INSTANCE command, but got an event intent");
  }
}

void BpmnProcessor::Activate(const RecordT& command) {
  const auto* value = command.typed_value.AsProcessInstanceRecord();
  if (value == nullptr) return;
  Instance instance;
  instance.key = command.key;
  instance.process = context_.processes.Get(context_.state, value->process_definition_key);
  if (instance.process == nullptr) {
    return context_.writers.Rejection(command, RejectionType::kNotFound,
                                      "Expected to activate an element of process definition '" +
                                          std::to_string(value->process_definition_key) +
                                          "', but no such definition was found");
  }
  if (value->bpmn_element_type != record::fb::BpmnElementType::PROCESS) {
    auto index = instance.process->model->FindElement(value->element_id);
    if (!index) {
      return context_.writers.Rejection(command, RejectionType::kNotFound,
                                        "Expected to activate element '" + value->element_id +
                                            "', but the process has no such element");
    }
    instance.element = &instance.process->model->elements[*index];
  }
  // The instance this one runs in: its flow scope, or for a called process
  // its call activity.
  const int64_t scope_key =
      value->flow_scope_key >= 0 ? value->flow_scope_key : value->parent_element_instance_key;
  if (scope_key >= 0) {
    // Commands to activate children may still be on their way when their
    // scope ends or starts terminating (or a body met its completion
    // condition): they are rejected, as in Zeebe.
    auto scope = context_.state.element_instances.Get(scope_key);
    if (!scope) {
      return context_.writers.Rejection(command, RejectionType::kInvalidState,
                                        "Expected flow scope instance with key '" +
                                            std::to_string(scope_key) +
                                            "' to be present in state but not found.");
    }
    if (!Is(scope->state, ProcessInstanceIntent::kElementActivated)) {
      return context_.writers.Rejection(
          command, RejectionType::kInvalidState,
          "Expected flow scope instance to be not terminating but was '" +
              std::string(StateName(scope->state)) + "'.");
    }
    // A scope an event sub-process interrupted runs nothing but it.
    const bpmn::Process& model = *instance.process->model;
    const bpmn::Element* start = InterruptingEventSubProcessStart(model, *scope);
    if (start != nullptr && instance.element != nullptr) {
      const bpmn::Element& sub_process = model.elements[*start->parent];
      if (&sub_process != instance.element) {
        return context_.writers.Rejection(
            command, RejectionType::kInvalidState,
            "Expected flow scope instance to be not interrupted but was interrupted by an event "
            "with id '" +
                sub_process.id + "'.");
      }
    }
  }
  instance.stored.value = std::make_unique<ProcessInstanceRecordT>(*value);
  Write(instance, ProcessInstanceIntent::kElementActivating);
  // An event activated by a caught event takes over its trigger.
  if (instance.element != nullptr) {
    if (auto trigger = context_.state.event_scopes.GetTrigger(instance.key)) {
      context_.writers.Event(instance.key, ProcessEventIntent::kTriggered, *trigger);
      instance.stored.pending_variables = trigger->variables;
      instance.triggered = true;
    }
  }
  ContinueActivation(instance);
}

void BpmnProcessor::ContinueActivation(Instance& instance) {
  if (instance.element != nullptr && !instance.element->unsupported.empty()) {
    return Incident(instance, ErrorType::UNKNOWN, instance.element->unsupported);
  }
  if (instance.is_body()) {
    // A multi-instance activity's boundary events belong to its body.
    if (!OpenEventSubscriptions(instance)) return;
    return ActivateBody(instance);
  }
  if (instance.is_inner() && !SetLoopVariables(instance)) return;
  if (!ApplyInputs(instance)) return;
  if (!OpenEventSubscriptions(instance)) return;
  OnActivated(instance);
}

void BpmnProcessor::OnActivated(Instance& instance) {
  const bpmn::Process& model = *instance.process->model;
  if (instance.element == nullptr) {  // the process
    Write(instance, ProcessInstanceIntent::kElementActivated);
    // Started by a timer or message start event: begin there.
    if (auto trigger = context_.state.event_scopes.GetTrigger(instance.key)) {
      context_.writers.Event(instance.key, ProcessEventIntent::kTriggered, *trigger);
      if (auto start = model.FindElement(trigger->target_element_id)) {
        ActivateChild(instance, model.elements[*start]);
      }
      return;
    }
    auto start = model.NoneStartEvent();
    if (start) ActivateChild(instance, model.elements[*start]);
    return;
  }
  const bpmn::Element& element = *instance.element;
  switch (element.type) {
    case ElementType::kSubProcess:
    case ElementType::kAdHocSubProcess: {
      Write(instance, ProcessInstanceIntent::kElementActivated);
      for (bpmn::ElementIndex child : element.children) {
        const bpmn::Element& start = model.elements[child];
        if (start.type == ElementType::kStartEvent && start.event_kind == EventKind::kNone) {
          return ActivateChild(instance, start);
        }
      }
      return;
    }
    case ElementType::kServiceTask:
    case ElementType::kUserTask:
    case ElementType::kSendTask:
    case ElementType::kBusinessRuleTask:
    case ElementType::kScriptTask:
      if (element.job) return CreateJob(instance);
      if (element.script) {
        Result<json> result = expressions_.Evaluate(element.script->expression, instance.key);
        if (!result.ok()) {
          return Incident(instance, ErrorType::EXTRACT_VALUE_ERROR, result.status().message());
        }
        // The result is applied like a job's variables: locally with output
        // mappings, otherwise propagated.
        json document = json::object();
        document[element.script->result_variable] = std::move(*result);
        instance.stored.pending_variables = document.dump();
        return PassThrough(instance);
      }
      return PassThrough(instance);
    case ElementType::kEventSubProcess:
      Write(instance, ProcessInstanceIntent::kElementActivated);
      return ActivateEventSubProcessStart(instance);
    case ElementType::kCallActivity: return ActivateCallActivity(instance);
    case ElementType::kExclusiveGateway:
    case ElementType::kInclusiveGateway: {
      auto flows = ChooseFlows(instance);
      if (!flows) return;
      return PassThrough(instance, std::move(flows));
    }
    case ElementType::kEndEvent:
      if (element.event_kind == EventKind::kTerminate) {
        PassThrough(instance);
        // Everything else in the scope is terminated; the scope then
        // completes (OnChildEnded) once its last child is gone.
        const int64_t scope_key = instance.value().flow_scope_key;
        for (int64_t child : context_.state.element_instances.Children(scope_key)) {
          auto other = context_.state.element_instances.Get(child);
          if (!other || other->value == nullptr) continue;
          context_.writers.Command(child, ProcessInstanceIntent::kTerminateElement,
                                   ProcessInstanceRecordT(*other->value));
        }
        return;
      }
      if (element.event_kind == EventKind::kError) return ThrowError(instance);
      return ThrowEvent(instance);
    case ElementType::kIntermediateThrowEvent: return ThrowEvent(instance);
    case ElementType::kIntermediateCatchEvent:
    case ElementType::kReceiveTask:
      // Waits for its event (subscribed to during activation) unless it was
      // activated by it.
      if (instance.triggered) return PassThrough(instance);
      return Write(instance, ProcessInstanceIntent::kElementActivated);
    case ElementType::kEventBasedGateway:
      return Write(instance, ProcessInstanceIntent::kElementActivated);
    case ElementType::kBoundaryEvent:
    case ElementType::kStartEvent:
    case ElementType::kTask:
    case ElementType::kManualTask:
    case ElementType::kParallelGateway: return PassThrough(instance);
    default:
      // Elements that wait for something this engine does not deliver yet.
      return Incident(instance, ErrorType::UNKNOWN,
                      "Elements of type '" + std::string(ElementTypeName(element.type)) +
                          "' with " + std::string(EventKindName(element.event_kind)) +
                          " events are not supported by this engine yet");
  }
}

void BpmnProcessor::ThrowEvent(Instance& instance) {
  const bpmn::Element& element = *instance.element;
  // Message throw events are job-based in Zeebe, like send tasks.
  if (element.job) return CreateJob(instance);
  if (element.event_kind == EventKind::kNone) return PassThrough(instance);
  Incident(instance, ErrorType::UNKNOWN,
           "Throwing " + std::string(EventKindName(element.event_kind)) + " events from '" +
               element.id + "' is not supported by this engine yet");
}

void BpmnProcessor::PassThrough(Instance& instance, std::optional<std::vector<FlowIndex>> flows) {
  Write(instance, ProcessInstanceIntent::kElementActivated);
  Write(instance, ProcessInstanceIntent::kElementCompleting);
  ContinueCompletion(instance, std::move(flows));
}

void BpmnProcessor::Complete(const RecordT& command) {
  auto instance = Load(command.key);
  if (!instance) {
    return context_.writers.Rejection(command, RejectionType::kNotFound,
                                      "Expected to complete element instance with key '" +
                                          std::to_string(command.key) +
                                          "', but no such element instance was found");
  }
  if (!Is(instance->stored.state, ProcessInstanceIntent::kElementActivated)) {
    return context_.writers.Rejection(command, RejectionType::kInvalidState,
                                      "Expected to complete element instance with key '" +
                                          std::to_string(command.key) + "', but it is in state '" +
                                          std::string(StateName(instance->stored.state)) + "'");
  }
  Write(*instance, ProcessInstanceIntent::kElementCompleting);
  ContinueCompletion(*instance);
}

void BpmnProcessor::ContinueCompletion(Instance& instance,
                                       std::optional<std::vector<FlowIndex>> flows) {
  CloseEventSubscriptions(instance);
  if (instance.is_body()) {
    // The inner instances applied the variables and output mappings.
    PropagateOutputCollection(instance);
  } else {
    if (!instance.stored.pending_variables.empty()) {
      json document = json::parse(instance.stored.pending_variables, nullptr, false);
      // A called process's variables are propagated only when the call
      // activity says so (or kept for its output mappings).
      const bool propagate = instance.element == nullptr || !instance.element->called_element ||
                             instance.element->called_element->propagate_all_child_variables;
      if (document.is_object()) {
        if (instance.element != nullptr && !instance.element->outputs.empty()) {
          variables_.MergeLocal(instance.key, instance.value(), document);
        } else if (propagate) {
          variables_.MergePropagate(instance.key, instance.value(), document);
        }
      }
    }
    if (!ApplyOutputs(instance)) return;
  }

  if (instance.element == nullptr) return OnProcessCompleted(instance);
  if (instance.is_inner()) {
    std::optional<InnerCompletion> completion = BeforeInnerCompleted(instance);
    if (!completion) return;
    Write(instance, ProcessInstanceIntent::kElementCompleted);
    return AfterInnerCompleted(instance.value().flow_scope_key, *completion);
  }
  Write(instance, ProcessInstanceIntent::kElementCompleted);
  if (!flows && instance.element->type == ElementType::kEventBasedGateway) {
    // Only the flow to the event that was caught.
    flows.emplace();
    for (FlowIndex index : instance.element->outgoing) {
      const bpmn::Process& model = *instance.process->model;
      if (model.elements[model.flows[index].target].id == instance.stored.interrupting_event_id) {
        flows->push_back(index);
      }
    }
  }
  std::vector<FlowIndex> taken = flows ? std::move(*flows) : instance.element->outgoing;
  if (taken.empty()) return OnChildEnded(instance.value().flow_scope_key);
  TakeFlows(instance, taken);
}

void BpmnProcessor::OnProcessCompleted(Instance& instance) {
  // Read the result before ELEMENT_COMPLETED removes the variables.
  auto awaiting = context_.state.access.GetTable<state::fb::AwaitingResult>(
      state::ColumnFamily::kAwaitingResults, state::KeyOf(instance.key));
  std::optional<json> result;
  if (awaiting) result = variables_.Visible(instance.key, awaiting->fetch_variables);
  Write(instance, ProcessInstanceIntent::kElementCompleted);
  OnCalledProcessEnded(instance);
  if (!awaiting) return;
  record::fb::ProcessInstanceResultRecordT value;
  value.bpmn_process_id = instance.value().bpmn_process_id;
  value.process_definition_key = instance.value().process_definition_key;
  value.version = instance.value().version;
  value.process_instance_key = instance.key;
  value.variables = result->dump(-1, ' ', false, json::error_handler_t::replace);
  RecordT response;
  response.key = instance.key;
  response.timestamp = context_.now();
  response.partition_id = context_.options.partition_id;
  response.record_type = static_cast<uint8_t>(record::RecordType::kEvent);
  response.value_type = static_cast<uint8_t>(record::ValueType::kProcessInstanceResult);
  response.intent = record::IntentCode(record::ProcessInstanceResultIntent::kCompleted);
  response.broker_version = context_.options.broker_version;
  response.typed_value.Set(std::move(value));
  context_.writers.Respond(awaiting->request_stream_id, awaiting->request_id, std::move(response));
}

void BpmnProcessor::TakeFlows(Instance& instance, const std::vector<FlowIndex>& flows) {
  const bpmn::Process& model = *instance.process->model;
  auto scope = Load(instance.value().flow_scope_key);
  if (!scope) return;
  for (FlowIndex index : flows) {
    const bpmn::SequenceFlow& flow = model.flows[index];
    ProcessInstanceRecordT value = instance.value();
    value.element_id = flow.id;
    value.bpmn_element_type = record::fb::BpmnElementType::SEQUENCE_FLOW;
    value.bpmn_event_type = record::fb::BpmnEventType::UNSPECIFIED;
    context_.writers.Event(context_.keys.Next(), ProcessInstanceIntent::kSequenceFlowTaken,
                           std::move(value));
    const bpmn::Element& target = model.elements[flow.target];
    if (target.type == ElementType::kParallelGateway && target.incoming.size() > 1) {
      // A joining gateway activates once a token waits on every incoming flow.
      bool all_taken = true;
      for (FlowIndex incoming : target.incoming) {
        if (TakenFlowCount(context_.state, scope->key, target.id, model.flows[incoming].id) < 1) {
          all_taken = false;
          break;
        }
      }
      if (!all_taken) continue;
    }
    // The event an event-based gateway caught keeps the key its trigger has.
    const bool caught = instance.stored.interrupting_event_key >= 0 &&
                        target.id == instance.stored.interrupting_event_id;
    ActivateChild(*scope, target, caught ? instance.stored.interrupting_event_key : -1);
  }
}

void BpmnProcessor::ActivateChild(const Instance& scope, const bpmn::Element& element,
                                  int64_t key) {
  ProcessInstanceRecordT value;
  const ProcessInstanceRecordT& scope_value = *scope.stored.value;
  value.bpmn_process_id = scope_value.bpmn_process_id;
  value.version = scope_value.version;
  value.process_definition_key = scope_value.process_definition_key;
  value.process_instance_key = scope_value.process_instance_key;
  value.element_id = element.id;
  value.flow_scope_key = scope.key;
  value.bpmn_element_type = element.multi_instance && !scope.is_body()
                                ? record::fb::BpmnElementType::MULTI_INSTANCE_BODY
                                : RecordElementType(element);
  value.bpmn_event_type = RecordEventType(element);
  value.parent_process_instance_key = scope_value.parent_process_instance_key;
  value.parent_element_instance_key = scope_value.parent_element_instance_key;
  value.tenant_id = scope_value.tenant_id;
  context_.writers.Command(key >= 0 ? key : context_.keys.Next(),
                           ProcessInstanceIntent::kActivateElement, std::move(value));
}

void BpmnProcessor::OnChildEnded(int64_t scope_key) {
  auto scope = Load(scope_key);
  if (!scope || scope->stored.active_children > 0) return;
  if (Is(scope->stored.state, ProcessInstanceIntent::kElementTerminating)) {
    return FinishTermination(*scope);
  }
  if (!Is(scope->stored.state, ProcessInstanceIntent::kElementActivated)) return;
  // An interrupting event sub-process waits for the scope's other children
  // to end; its trigger is still listed until its start event takes it.
  const auto& waiting = scope->stored.event_sub_process_triggers;
  if (const bpmn::Element* start =
          InterruptingEventSubProcessStart(*scope->process->model, scope->stored);
      start != nullptr && std::find(waiting.begin(), waiting.end(),
                                    scope->stored.interrupting_event_key) != waiting.end()) {
    return ActivateChild(*scope, scope->process->model->elements[*start->parent]);
  }
  if (scope->stored.active_flows == 0) {
    context_.writers.Command(scope->key, ProcessInstanceIntent::kCompleteElement,
                             ProcessInstanceRecordT(scope->value()));
  }
}

void BpmnProcessor::Terminate(const RecordT& command) {
  auto instance = Load(command.key);
  // Already ended or terminating: a second termination has nothing to do.
  if (!instance || Is(instance->stored.state, ProcessInstanceIntent::kElementTerminating)) return;
  StartTermination(*instance);
}

void BpmnProcessor::Cancel(const RecordT& command) {
  auto instance = Load(command.key);
  if (!instance || instance->element != nullptr) {
    return context_.writers.Rejection(command, RejectionType::kNotFound,
                                      "Expected to cancel a process instance with key '" +
                                          std::to_string(command.key) +
                                          "', but no such process was found");
  }
  if (instance->value().parent_process_instance_key >= 0) {
    return context_.writers.Rejection(
        command, RejectionType::kInvalidState,
        "Expected to cancel a process instance with key '" + std::to_string(command.key) +
            "', but it is created by a parent process instance. Cancel the root process "
            "instance '" +
            std::to_string(instance->value().parent_process_instance_key) + "' instead.");
  }
  if (Is(instance->stored.state, ProcessInstanceIntent::kElementTerminating)) {
    return context_.writers.Rejection(command, RejectionType::kInvalidState,
                                      "Expected to cancel a process instance with key '" +
                                          std::to_string(command.key) +
                                          "', but it is already being terminated");
  }
  StartTermination(*instance);
  // Zeebe answers a cancellation with the ELEMENT_TERMINATING record.
  for (auto it = context_.writers.records().rbegin(); it != context_.writers.records().rend();
       ++it) {
    if (it->record.key == instance->key &&
        Is(it->record.intent, ProcessInstanceIntent::kElementTerminating)) {
      return context_.writers.RespondTo(command, it->record);
    }
  }
}

void BpmnProcessor::StartTermination(Instance& instance) {
  Write(instance, ProcessInstanceIntent::kElementTerminating);
  CloseEventSubscriptions(instance);
  if (instance.stored.job_key >= 0) {
    if (auto job = context_.state.jobs.Get(instance.stored.job_key); job && job->value) {
      context_.writers.Event(instance.stored.job_key, record::JobIntent::kCanceled,
                             record::fb::JobRecordT(*job->value));
    }
  }
  ResolveIncidentsOf(context_, instance.key);
  if (TerminateCalledProcess(instance)) return;
  std::vector<int64_t> children = context_.state.element_instances.Children(instance.key);
  if (children.empty()) return FinishTermination(instance);
  for (int64_t child : children) {
    auto stored = context_.state.element_instances.Get(child);
    if (!stored || stored->value == nullptr) continue;
    context_.writers.Command(child, ProcessInstanceIntent::kTerminateElement,
                             ProcessInstanceRecordT(*stored->value));
  }
}

void BpmnProcessor::FinishTermination(Instance& instance) {
  Write(instance, ProcessInstanceIntent::kElementTerminated);
  if (instance.stored.interrupting_event_key >= 0 &&
      instance.stored.interrupting_event_key != instance.key &&
      ActivateInterruptingEvent(instance)) {
    return;
  }
  if (instance.element == nullptr) return OnCalledProcessEnded(instance);
  OnChildEnded(instance.value().flow_scope_key);
}

bool BpmnProcessor::ActivateInterruptingEvent(const Instance& instance) {
  const bpmn::Process& model = *instance.process->model;
  const int64_t event_key = instance.stored.interrupting_event_key;
  auto event = model.FindElement(instance.stored.interrupting_event_id);
  auto scope = Load(instance.stored.value->flow_scope_key);
  if (event && model.elements[*event].type == ElementType::kBoundaryEvent && scope &&
      Is(scope->stored.state, ProcessInstanceIntent::kElementActivated) &&
      InterruptingEventSubProcessStart(model, scope->stored) == nullptr) {
    ActivateChild(*scope, model.elements[*event], event_key);
    return true;
  }
  // The scope is ending as well (or the event sub-process that interrupted
  // this instance ran already): the event is dropped.
  if (auto trigger = context_.state.event_scopes.GetTrigger(event_key)) {
    context_.writers.Event(event_key, ProcessEventIntent::kTriggered, *trigger);
  }
  return false;
}

bool BpmnProcessor::AcceptsEvent(int64_t scope_key, const std::string& event_id) {
  auto scope = Load(scope_key);
  if (!scope || !Is(scope->stored.state, ProcessInstanceIntent::kElementActivated)) return false;
  if (scope->stored.interrupting_event_key < 0) return true;
  // A scope an event sub-process interrupted still takes its boundary
  // events, as in Zeebe (they end the scope, event sub-process included).
  const bpmn::Process& model = *scope->process->model;
  auto event = model.FindElement(event_id);
  return event && model.elements[*event].type == ElementType::kBoundaryEvent &&
         InterruptingEventSubProcessStart(model, scope->stored) != nullptr;
}

void BpmnProcessor::TriggerEvent(int64_t scope_key, const std::string& event_id,
                                 const std::string& variables) {
  auto scope = Load(scope_key);
  if (!scope) return;
  auto index = scope->process->model->FindElement(event_id);
  if (!index) return;
  const bpmn::Element& event = scope->process->model->elements[*index];
  const bool catches_itself = scope->element == &event;
  const int64_t key = catches_itself ? scope->key : context_.keys.Next();
  record::fb::ProcessEventRecordT trigger;
  trigger.scope_key = scope->key;
  trigger.target_element_id = event_id;
  trigger.variables = variables;
  trigger.process_definition_key = scope->value().process_definition_key;
  trigger.process_instance_key = scope->value().process_instance_key;
  trigger.tenant_id = scope->value().tenant_id;
  context_.writers.Event(key, ProcessEventIntent::kTriggering, trigger);
  if (catches_itself) {
    context_.writers.Event(key, ProcessEventIntent::kTriggered, trigger);
    return context_.writers.Command(scope->key, ProcessInstanceIntent::kCompleteElement,
                                    ProcessInstanceRecordT(scope->value()));
  }
  if (scope->process->model->StartsEventSubProcess(event)) {
    return TriggerEventSubProcess(*scope, event);
  }
  if (event.type == ElementType::kBoundaryEvent) {
    if (event.interrupting) {
      return context_.writers.Command(scope->key, ProcessInstanceIntent::kTerminateElement,
                                      ProcessInstanceRecordT(scope->value()));
    }
    if (auto flow_scope = Load(scope->value().flow_scope_key)) {
      ActivateChild(*flow_scope, event, key);
    }
    return;
  }
  // An event-based gateway: it completes and activates the event.
  context_.writers.Command(scope->key, ProcessInstanceIntent::kCompleteElement,
                           ProcessInstanceRecordT(scope->value()));
}

int64_t BpmnProcessor::StartInstanceAt(const DeployedProcess& process,
                                       const std::string& start_event_id, const json& variables) {
  const int64_t instance_key = context_.keys.Next();
  ProcessInstanceRecordT instance;
  instance.bpmn_process_id = process.bpmn_process_id;
  instance.version = process.version;
  instance.process_definition_key = process.key;
  instance.process_instance_key = instance_key;
  instance.element_id = process.bpmn_process_id;
  instance.bpmn_element_type = record::fb::BpmnElementType::PROCESS;
  variables_.MergeLocal(instance_key, instance, variables);
  record::fb::ProcessEventRecordT trigger;
  trigger.scope_key = process.key;
  trigger.target_element_id = start_event_id;
  trigger.process_definition_key = process.key;
  trigger.process_instance_key = instance_key;
  context_.writers.Event(instance_key, ProcessEventIntent::kTriggering, trigger);
  context_.writers.Command(instance_key, ProcessInstanceIntent::kActivateElement, instance);
  return instance_key;
}

Result<TimerSchedule> BpmnProcessor::EvaluateTimer(const bpmn::Element& event, int64_t scope_key) {
  const bpmn::Timer& timer = *event.timer;
  std::string text = timer.value.text;
  if (timer.value.is_expression()) {
    Result<json> result = scope_key >= 0 ? expressions_.Evaluate(timer.value, scope_key)
                                         : expressions_.Evaluate(timer.value, json::object());
    if (!result.ok()) return result.status();
    if (!result->is_string()) {
      return Status::InvalidArgument("Expected result of the expression '" + timer.value.text +
                                     "' to be an ISO-8601 date, duration or cycle, but was '" +
                                     result->dump() + "'");
    }
    text = result->get<std::string>();
  }
  return ScheduleTimer(timer.kind, text, context_.now());
}

std::vector<const bpmn::Element*> BpmnProcessor::EventsToSubscribe(const Instance& instance) const {
  std::vector<const bpmn::Element*> events;
  const bpmn::Process& model = *instance.process->model;
  auto waits = [](const bpmn::Element& event) { return event.timer || event.message; };
  // A scope's event sub-processes (a body's belong to its inner instances).
  if (!instance.is_body()) {
    for (bpmn::ElementIndex child :
         instance.element == nullptr ? model.children : instance.element->children) {
      if (model.elements[child].type != ElementType::kEventSubProcess) continue;
      auto start = model.StartEventOf(model.elements[child]);
      if (start && waits(model.elements[*start])) events.push_back(&model.elements[*start]);
    }
  }
  if (instance.element == nullptr) return events;
  const bpmn::Element& element = *instance.element;
  if (!instance.triggered && !instance.is_body() &&
      (element.type == ElementType::kIntermediateCatchEvent ||
       element.type == ElementType::kReceiveTask) &&
      waits(element)) {
    events.push_back(&element);
  }
  for (bpmn::ElementIndex index : element.boundary_events) {
    if (instance.is_inner()) break;  // the body's, not each inner instance's
    if (waits(model.elements[index])) events.push_back(&model.elements[index]);
  }
  if (element.type == ElementType::kEventBasedGateway) {
    for (FlowIndex flow : element.outgoing) {
      const bpmn::Element& target = model.elements[model.flows[flow].target];
      if (waits(target)) events.push_back(&target);
    }
  }
  return events;
}

bool BpmnProcessor::OpenEventSubscriptions(Instance& instance) {
  const std::vector<const bpmn::Element*> events = EventsToSubscribe(instance);
  if (events.empty()) return true;
  // Opened before an incident stopped the activation: not again.
  if (!context_.state.timers.OfElementInstance(instance.key).empty() ||
      !context_.state.event_scopes.SubscriptionsOf(instance.key).empty()) {
    return true;
  }

  struct Opening {
    const bpmn::Element* event;
    TimerSchedule schedule;
    std::string message_name;
    std::string correlation_key;
  };
  std::vector<Opening> openings;
  for (const bpmn::Element* event : events) {
    Opening opening{event, {}, {}, {}};
    if (event->timer) {
      Result<TimerSchedule> schedule = EvaluateTimer(*event, instance.key);
      if (!schedule.ok()) {
        Incident(instance, ErrorType::EXTRACT_VALUE_ERROR, schedule.status().message());
        return false;
      }
      opening.schedule = *schedule;
    } else {
      Result<std::string> name = expressions_.EvaluateString(event->message->name, instance.key);
      if (!name.ok()) {
        Incident(instance, ErrorType::EXTRACT_VALUE_ERROR, name.status().message());
        return false;
      }
      Result<json> key = expressions_.Evaluate(*event->message->correlation_key, instance.key);
      if (key.ok() && !key->is_string() && !key->is_number()) {
        key = Status::InvalidArgument(
            "Failed to extract the correlation key for '" + event->message->correlation_key->text +
            "': The value must be either a string or a number, but was " + key->dump() + ".");
      }
      if (!key.ok()) {
        Incident(instance, ErrorType::EXTRACT_VALUE_ERROR, key.status().message());
        return false;
      }
      opening.message_name = std::move(*name);
      opening.correlation_key = key->is_string() ? key->get<std::string>() : key->dump();
    }
    openings.push_back(std::move(opening));
  }

  const ProcessInstanceRecordT& value = instance.value();
  for (Opening& opening : openings) {
    if (opening.event->timer) {
      record::fb::TimerRecordT timer;
      timer.element_instance_key = instance.key;
      timer.process_instance_key = value.process_instance_key;
      timer.due_date = opening.schedule.due_date;
      timer.target_element_id = opening.event->id;
      timer.repetitions = opening.schedule.repetitions;
      timer.process_definition_key = value.process_definition_key;
      timer.tenant_id = value.tenant_id;
      context_.writers.Event(context_.keys.Next(), record::TimerIntent::kCreated, std::move(timer));
      continue;
    }
    record::fb::ProcessMessageSubscriptionRecordT subscription;
    subscription.subscription_partition_id =
        SubscriptionPartitionOf(opening.correlation_key, context_.options.partition_count);
    subscription.process_instance_key = value.process_instance_key;
    subscription.element_instance_key = instance.key;
    subscription.bpmn_process_id = value.bpmn_process_id;
    subscription.message_name = opening.message_name;
    subscription.correlation_key = opening.correlation_key;
    subscription.interrupting = opening.event->interrupting;
    subscription.element_id = opening.event->id;
    subscription.tenant_id = value.tenant_id;
    context_.writers.Event(context_.keys.Next(),
                           record::ProcessMessageSubscriptionIntent::kCreating, subscription);
    context_.writers.SendTo(subscription.subscription_partition_id, -1,
                            record::MessageSubscriptionIntent::kCreate,
                            ToMessageSubscription(subscription));
  }
  return true;
}

void BpmnProcessor::CloseEventSubscriptions(const Instance& instance,
                                            bool event_sub_processes_only) {
  // Elements that wait for no event skip the lookups: they are prefix scans,
  // which LevelDB pays for with every deleted entry after the seek position.
  if (EventsToSubscribe(instance).empty()) return;
  const bpmn::Process& model = *instance.process->model;
  auto closes = [&](const std::string& event_id) {
    if (!event_sub_processes_only) return true;
    auto event = model.FindElement(event_id);
    return event && model.StartsEventSubProcess(model.elements[*event]);
  };
  for (auto& [timer_key, timer] : context_.state.timers.OfElementInstance(instance.key)) {
    if (!closes(timer.target_element_id)) continue;
    context_.writers.Event(timer_key, record::TimerIntent::kCanceled, std::move(timer));
  }
  using record::ProcessMessageSubscriptionIntent;
  for (auto& subscription : context_.state.event_scopes.SubscriptionsOf(instance.key)) {
    if (subscription.state == record::IntentCode(ProcessMessageSubscriptionIntent::kDeleting) ||
        !closes(subscription.value->element_id)) {
      continue;
    }
    context_.writers.Event(subscription.key, ProcessMessageSubscriptionIntent::kDeleting,
                           *subscription.value);
    context_.writers.SendTo(subscription.value->subscription_partition_id, -1,
                            record::MessageSubscriptionIntent::kDelete,
                            ToMessageSubscription(*subscription.value));
  }
}

void BpmnProcessor::ContinueAfterIncident(int64_t element_instance_key) {
  auto instance = Load(element_instance_key);
  if (!instance) return;
  if (Is(instance->stored.state, ProcessInstanceIntent::kElementActivating)) {
    ContinueActivation(*instance);
  } else if (Is(instance->stored.state, ProcessInstanceIntent::kElementCompleting)) {
    ContinueCompletion(*instance);
  }
}

std::optional<std::vector<FlowIndex>> BpmnProcessor::ChooseFlows(Instance& instance) {
  const bpmn::Process& model = *instance.process->model;
  const bpmn::Element& gateway = *instance.element;
  if (gateway.outgoing.size() == 1 && !model.flows[gateway.outgoing[0]].condition) {
    return std::vector<FlowIndex>{gateway.outgoing[0]};
  }
  const bool inclusive = gateway.type == ElementType::kInclusiveGateway;
  json variables = variables_.Visible(instance.key);
  std::vector<FlowIndex> taken;
  for (FlowIndex index : gateway.outgoing) {
    const bpmn::SequenceFlow& flow = model.flows[index];
    if (flow.is_default) continue;
    if (!flow.condition) {
      // An exclusive gateway never takes a flow without condition but its
      // default; for an inclusive one the flow holds unconditionally.
      if (inclusive) taken.push_back(index);
      continue;
    }
    Result<bool> holds = expressions_.EvaluateBoolean(*flow.condition, variables);
    if (!holds.ok()) {
      Incident(instance, ErrorType::CONDITION_ERROR, holds.status().message());
      return std::nullopt;
    }
    if (!*holds) continue;
    taken.push_back(index);
    if (!inclusive) break;
  }
  if (taken.empty() && gateway.default_flow) taken.push_back(*gateway.default_flow);
  if (taken.empty()) {
    Incident(instance, ErrorType::CONDITION_ERROR,
             "Expected at least one condition to evaluate to true, or to have a default flow");
    return std::nullopt;
  }
  return taken;
}

bool BpmnProcessor::ApplyInputs(Instance& instance) {
  if (instance.element == nullptr || instance.element->inputs.empty()) return true;
  json scope_variables = variables_.Visible(instance.value().flow_scope_key);
  json document = json::object();
  for (const bpmn::Mapping& mapping : instance.element->inputs) {
    json value;
    if (mapping.source) {
      Result<json> result = expressions_.Evaluate(*mapping.source, scope_variables);
      if (!result.ok()) {
        Incident(instance, ErrorType::IO_MAPPING_ERROR, result.status().message());
        return false;
      }
      value = std::move(*result);
    }
    SetPath(document, mapping.target, std::move(value));
    // Later inputs see earlier ones, as in Zeebe's input mapping context.
    scope_variables[mapping.target.substr(0, mapping.target.find('.'))] =
        document[mapping.target.substr(0, mapping.target.find('.'))];
  }
  variables_.MergeLocal(instance.key, instance.value(), document);
  return true;
}

bool BpmnProcessor::ApplyOutputs(Instance& instance) {
  if (instance.element == nullptr || instance.element->outputs.empty()) return true;
  json element_variables = variables_.Visible(instance.key);
  json document = json::object();
  for (const bpmn::Mapping& mapping : instance.element->outputs) {
    json value;
    if (mapping.source) {
      Result<json> result = expressions_.Evaluate(*mapping.source, element_variables);
      if (!result.ok()) {
        Incident(instance, ErrorType::IO_MAPPING_ERROR, result.status().message());
        return false;
      }
      value = std::move(*result);
    }
    SetPath(document, mapping.target, std::move(value));
  }
  variables_.MergePropagate(instance.value().flow_scope_key, instance.value(), document);
  return true;
}

void BpmnProcessor::CreateJob(Instance& instance) {
  const bpmn::Element& element = *instance.element;
  Result<std::string> type = expressions_.EvaluateString(element.job->type, instance.key);
  if (!type.ok()) {
    return Incident(instance, ErrorType::EXTRACT_VALUE_ERROR, type.status().message());
  }
  Result<int64_t> retries = expressions_.EvaluateInteger(element.job->retries, instance.key);
  if (!retries.ok()) {
    return Incident(instance, ErrorType::EXTRACT_VALUE_ERROR, retries.status().message());
  }
  json headers = json::object();
  for (const auto& [name, value] : element.task_headers) headers[name] = value;
  record::fb::JobRecordT job;
  job.type = std::move(*type);
  job.retries = static_cast<int32_t>(*retries);
  job.custom_headers = headers.dump();
  job.variables = "{}";
  job.process_instance_key = instance.value().process_instance_key;
  job.bpmn_process_id = instance.value().bpmn_process_id;
  job.process_definition_version = instance.value().version;
  job.process_definition_key = instance.value().process_definition_key;
  job.element_id = element.id;
  job.element_instance_key = instance.key;
  job.tenant_id = instance.value().tenant_id;
  Write(instance, ProcessInstanceIntent::kElementActivated);
  const std::string job_type = job.type;
  context_.writers.Event(context_.keys.Next(), record::JobIntent::kCreated, std::move(job));
  context_.writers.JobsAvailable(job_type);
}

void BpmnProcessor::Incident(Instance& instance, ErrorType type, std::string message,
                             int64_t job_key) {
  record::fb::IncidentRecordT incident;
  incident.error_type = type;
  incident.error_message = std::move(message);
  incident.bpmn_process_id = instance.value().bpmn_process_id;
  incident.process_definition_key = instance.value().process_definition_key;
  incident.process_instance_key = instance.value().process_instance_key;
  incident.element_id = instance.element ? instance.element->id : instance.value().element_id;
  incident.element_instance_key = instance.key;
  incident.job_key = job_key;
  incident.variable_scope_key = instance.key;
  incident.tenant_id = instance.value().tenant_id;
  RaiseIncident(context_, std::move(incident));
}

}  // namespace waggle::engine
