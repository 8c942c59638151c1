// Call activities, as Zeebe runs them: after its input mappings the call
// activity evaluates zeebe:calledElement processId, starts the latest
// version of that process as a child process instance (parent process
// instance and element instance keys set on all of the child's records),
// and waits. The child starts with every variable the call activity sees
// (propagateAllParentVariables, the default) or only the call activity's
// local ones (its input mappings). When the child completes, its variables
// come back to the call activity (the applier hands them over), which
// completes: with output mappings they are local to it and only the outputs
// propagate; otherwise they propagate unless propagateAllChildVariables is
// false. Terminating the call activity terminates the child first.
#include <string>

#include "common/record/intent.h"
#include "engine/processing/bpmn/bpmn_processor.h"

namespace waggle::engine {

using nlohmann::json;
using record::ProcessInstanceIntent;
using record::fb::ErrorType;
using record::fb::ProcessInstanceRecordT;

void BpmnProcessor::ActivateCallActivity(Instance& call) {
  const bpmn::CalledElement& called = *call.element->called_element;
  Result<std::string> process_id = expressions_.EvaluateString(called.process_id, call.key);
  if (!process_id.ok()) {
    return Incident(call, ErrorType::EXTRACT_VALUE_ERROR, process_id.status().message());
  }
  const int32_t version = context_.state.processes.LatestVersion(*process_id);
  auto definition_key = context_.state.processes.KeyOf(*process_id, version);
  auto process = definition_key ? context_.processes.Get(context_.state, *definition_key) : nullptr;
  if (process == nullptr) {
    return Incident(call, ErrorType::CALLED_ELEMENT_ERROR,
                    "Expected process with BPMN process id '" + *process_id +
                        "' to be deployed, but not found.");
  }
  if (!process->model->NoneStartEvent()) {
    return Incident(call, ErrorType::CALLED_ELEMENT_ERROR,
                    "Expected process with BPMN process id '" + *process_id +
                        "' to have a none start event, but not found.");
  }
  Write(call, ProcessInstanceIntent::kElementActivated);

  const int64_t child_key = context_.keys.Next();
  ProcessInstanceRecordT child;
  child.bpmn_process_id = process->bpmn_process_id;
  child.version = process->version;
  child.process_definition_key = process->key;
  child.process_instance_key = child_key;
  child.element_id = process->bpmn_process_id;
  child.bpmn_element_type = record::fb::BpmnElementType::PROCESS;
  child.parent_process_instance_key = call.value().process_instance_key;
  child.parent_element_instance_key = call.key;
  child.tenant_id = call.value().tenant_id;
  context_.writers.Command(child_key, ProcessInstanceIntent::kActivateElement, child);

  json variables = json::object();
  if (called.propagate_all_parent_variables) {
    variables = variables_.Visible(call.key);
  } else {
    for (const state::Variable& variable : context_.state.variables.OfScope(call.key)) {
      json value = json::parse(variable.value, nullptr, /*allow_exceptions=*/false);
      variables[variable.name] = value.is_discarded() ? json() : std::move(value);
    }
  }
  variables_.MergeLocal(child_key, child, variables);
}

void BpmnProcessor::OnCalledProcessEnded(const Instance& child) {
  const int64_t parent_key = child.stored.value->parent_element_instance_key;
  if (parent_key < 0) return;
  auto call = Load(parent_key);
  if (!call) return;
  const uint8_t state = call->stored.state;
  if (state == record::IntentCode(ProcessInstanceIntent::kElementTerminating)) {
    return FinishTermination(*call);
  }
  if (state == record::IntentCode(ProcessInstanceIntent::kElementActivated)) {
    context_.writers.Command(call->key, ProcessInstanceIntent::kCompleteElement,
                             ProcessInstanceRecordT(call->value()));
  }
}

bool BpmnProcessor::TerminateCalledProcess(const Instance& call) {
  if (call.stored.called_instance_key < 0) return false;
  auto child = context_.state.element_instances.Get(call.stored.called_instance_key);
  if (!child || child->value == nullptr) return false;
  context_.writers.Command(call.stored.called_instance_key,
                           ProcessInstanceIntent::kTerminateElement,
                           ProcessInstanceRecordT(*child->value));
  return true;
}

}  // namespace waggle::engine
