// Element instance lifecycle: ELEMENT_ACTIVATING creates the instance and
// counts it in its flow scope (in a multi-instance body, it also numbers the
// inner instance; a called process registers with its call activity), the
// other lifecycle events move its state, COMPLETED/TERMINATED remove it with
// its variables (a completed called process first hands them to its call
// activity). SEQUENCE_FLOW_TAKEN counts a token in the flow scope (and, into
// a joining parallel gateway, which incoming flow it came by).
#include <nlohmann/json.hpp>

#include "common/record/intent.h"
#include "engine/appliers/event_applier.h"
#include "engine/bpmn/element_type.h"

namespace waggle::engine {
namespace {

using record::ProcessInstanceIntent;
using state::ColumnFamily;

std::string TakenFlowKey(int64_t scope_key, std::string_view gateway_id, std::string_view flow_id) {
  std::string key = state::KeyOf(scope_key, gateway_id);
  state::AppendString(&key, flow_id);
  return key;
}

int32_t ReadCount(const state::StateAccess& access, const std::string& key) {
  auto bytes = access.Get(ColumnFamily::kTakenSequenceFlows, key);
  uint32_t count = 0;
  if (bytes) state::KeyReader(*bytes).ReadUint32(&count);
  return static_cast<int32_t>(count);
}

void WriteCount(state::StateAccess& access, const std::string& key, int32_t count) {
  if (count <= 0) {
    access.Delete(ColumnFamily::kTakenSequenceFlows, key);
    return;
  }
  std::string bytes;
  state::AppendUint32(&bytes, static_cast<uint32_t>(count));
  access.Put(ColumnFamily::kTakenSequenceFlows, key, bytes);
}

// Adjusts the counters of a flow scope instance.
void UpdateScope(state::EngineState& state, int64_t scope_key, int children_delta,
                 int flows_delta) {
  if (scope_key < 0) return;
  auto* scope = state.element_instances.FindForUpdate(scope_key);
  if (scope == nullptr) return;
  scope->active_children += children_delta;
  scope->active_flows = std::max(0, scope->active_flows + flows_delta);
}

void OnActivating(state::EngineState& state, ProcessCache& processes,
                  const record::fb::RecordT& event,
                  const record::fb::ProcessInstanceRecordT& value) {
  state::fb::ElementInstanceT instance;
  instance.state = event.intent;
  instance.value = std::make_unique<record::fb::ProcessInstanceRecordT>(value);

  // An inner instance of a multi-instance body takes the body's next loop
  // counter; it came by no sequence flow.
  const state::fb::ElementInstanceT* scope =
      value.flow_scope_key >= 0 ? state.element_instances.Find(value.flow_scope_key) : nullptr;
  const bool inner =
      scope != nullptr && scope->value != nullptr &&
      scope->value->bpmn_element_type == record::fb::BpmnElementType::MULTI_INSTANCE_BODY;
  // What is read from the scope below, before the scope changes.
  const int32_t scope_active_flows = scope != nullptr ? scope->active_flows : 0;
  if (inner) {
    instance.loop_counter =
        ++state.element_instances.FindForUpdate(value.flow_scope_key)->loop_counter;
  }
  state.element_instances.Create(event.key, std::move(instance));
  // A called process: its call activity knows it (to terminate it).
  if (value.bpmn_element_type == record::fb::BpmnElementType::PROCESS &&
      value.parent_element_instance_key >= 0) {
    if (auto* call = state.element_instances.FindForUpdate(value.parent_element_instance_key)) {
      call->called_instance_key = event.key;
    }
  }

  int consumed_flows = 0;
  auto process = inner ? nullptr : processes.Get(state, value.process_definition_key);
  if (process != nullptr) {
    if (auto index = process->model->FindElement(value.element_id)) {
      const bpmn::Element& element = process->model->elements[*index];
      auto start = element.type == bpmn::ElementType::kEventSubProcess
                       ? process->model->StartEventOf(element)
                       : std::nullopt;
      if (start && process->model->elements[*start].interrupting) {
        // An interrupting event sub-process runs alone in its scope: tokens
        // that were on their way (their activation is rejected) or waiting
        // at a joining gateway are gone.
        consumed_flows = scope_active_flows;
      } else if (element.type == bpmn::ElementType::kParallelGateway &&
                 element.incoming.size() > 1) {
        for (bpmn::FlowIndex flow : element.incoming) {
          std::string key =
              TakenFlowKey(value.flow_scope_key, element.id, process->model->flows[flow].id);
          WriteCount(state.access, key, ReadCount(state.access, key) - 1);
        }
        consumed_flows = static_cast<int>(element.incoming.size());
      } else if (!element.incoming.empty()) {
        consumed_flows = 1;
      }
    }
  }
  UpdateScope(state, value.flow_scope_key, +1, -consumed_flows);
}

void OnSequenceFlowTaken(state::EngineState& state, ProcessCache& processes,
                         const record::fb::ProcessInstanceRecordT& value) {
  UpdateScope(state, value.flow_scope_key, 0, +1);
  auto process = processes.Get(state, value.process_definition_key);
  if (process == nullptr) return;
  auto flow = process->model->FindFlow(value.element_id);
  if (!flow) return;
  const bpmn::Element& target = process->model->elements[process->model->flows[*flow].target];
  if (target.type == bpmn::ElementType::kParallelGateway && target.incoming.size() > 1) {
    std::string key = TakenFlowKey(value.flow_scope_key, target.id, value.element_id);
    WriteCount(state.access, key, ReadCount(state.access, key) + 1);
  }
}

// A called process that completed hands its variables (as one JSON
// document) to its call activity, which applies them when it completes.
void HandVariablesToCallActivity(state::EngineState& state, int64_t key,
                                 const record::fb::ProcessInstanceRecordT& value) {
  auto* call = state.element_instances.FindForUpdate(value.parent_element_instance_key);
  if (call == nullptr) return;
  std::string document = "{";
  for (const state::Variable& variable : state.variables.OfScope(key)) {
    if (document.size() > 1) document += ',';
    document += nlohmann::json(variable.name).dump() + ':' + variable.value;
  }
  call->pending_variables = document + '}';
}

void OnEnded(state::EngineState& state, const record::fb::RecordT& event,
             const record::fb::ProcessInstanceRecordT& value) {
  const int64_t key = event.key;
  if (event.intent == record::IntentCode(ProcessInstanceIntent::kElementCompleted) &&
      value.bpmn_element_type == record::fb::BpmnElementType::PROCESS &&
      value.parent_element_instance_key >= 0) {
    HandVariablesToCallActivity(state, key, value);
  }
  state.element_instances.Remove(key, value.flow_scope_key);
  state.variables.RemoveScope(key);
  if (value.flow_scope_key < 0) {
    // Rarely there (CreateProcessInstanceWithResult): no blind tombstone.
    if (state.access.Contains(ColumnFamily::kAwaitingResults, state::KeyOf(key))) {
      state.access.Delete(ColumnFamily::kAwaitingResults, state::KeyOf(key));
    }
    state.messages.RemoveActiveStartInstance(key);
  }
  UpdateScope(state, value.flow_scope_key, -1, 0);
}

}  // namespace

// How many tokens wait at a joining parallel gateway from `flow_id`.
int32_t TakenFlowCount(const state::EngineState& state, int64_t scope_key,
                       std::string_view gateway_id, std::string_view flow_id) {
  return ReadCount(state.access, TakenFlowKey(scope_key, gateway_id, flow_id));
}

void ApplyProcessInstanceEvent(state::EngineState& state, ProcessCache& processes,
                               const record::fb::RecordT& event) {
  const auto* value = event.typed_value.AsProcessInstanceRecord();
  if (value == nullptr) return;
  switch (static_cast<ProcessInstanceIntent>(event.intent)) {
    case ProcessInstanceIntent::kElementActivating:
      OnActivating(state, processes, event, *value);
      break;
    case ProcessInstanceIntent::kElementActivated:
    case ProcessInstanceIntent::kElementCompleting:
    case ProcessInstanceIntent::kElementTerminating:
      if (auto* instance = state.element_instances.FindForUpdate(event.key)) {
        instance->state = event.intent;
      }
      break;
    case ProcessInstanceIntent::kElementCompleted:
    case ProcessInstanceIntent::kElementTerminated: OnEnded(state, event, *value); break;
    case ProcessInstanceIntent::kSequenceFlowTaken:
      OnSequenceFlowTaken(state, processes, *value);
      break;
    default: break;
  }
}

void ApplyProcessInstanceCreationEvent(state::EngineState& state,
                                       const record::fb::RecordT& event) {
  // A CREATED event that carries a request was created with awaiting result:
  // the request is answered when the instance completes.
  if (event.request_id < 0) return;
  const auto* value = event.typed_value.AsProcessInstanceCreationRecord();
  if (value == nullptr) return;
  state::fb::AwaitingResultT awaiting;
  awaiting.request_stream_id = event.request_stream_id;
  awaiting.request_id = event.request_id;
  awaiting.fetch_variables = value->fetch_variables;
  state.access.PutTable<state::fb::AwaitingResult>(
      ColumnFamily::kAwaitingResults, state::KeyOf(value->process_instance_key), awaiting);
}

}  // namespace waggle::engine
