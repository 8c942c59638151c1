// PROCESS_INSTANCE_CREATION CREATE (and CREATE_WITH_AWAITING_RESULT), and
// the PROCESS_INSTANCE commands, which the BPMN processor runs.
#include <string>

#include "common/record/intent.h"
#include "engine/processing/bpmn/bpmn_processor.h"
#include "engine/processing/bpmn/variables.h"
#include "engine/processing/processing_context.h"

namespace waggle::engine {

using record::ProcessInstanceCreationIntent;
using record::RejectionType;
using record::fb::RecordT;

namespace {

// The definition a creation asks for: by key, or by process id and version
// (-1: the latest). Rejects the command and returns null when there is none.
std::shared_ptr<const DeployedProcess> FindDefinition(
    ProcessingContext& context, const RecordT& command,
    const record::fb::ProcessInstanceCreationRecordT& value) {
  auto reject = [&](RejectionType type, std::string reason) {
    context.writers.Rejection(command, type, std::move(reason));
    return nullptr;
  };
  int64_t key = value.process_definition_key;
  if (key < 0) {
    if (value.bpmn_process_id.empty()) {
      return reject(RejectionType::kInvalidArgument,
                    "Expected at least a bpmnProcessId or a key greater than -1, but none given");
    }
    const int32_t version = value.version >= 0
                                ? value.version
                                : context.state.processes.LatestVersion(value.bpmn_process_id);
    auto found = context.state.processes.KeyOf(value.bpmn_process_id, version);
    if (!found) {
      return value.version >= 0 ? reject(RejectionType::kNotFound,
                                         "Expected to find process definition with process ID '" +
                                             value.bpmn_process_id + "' and version '" +
                                             std::to_string(value.version) + "', but none found")
                                : reject(RejectionType::kNotFound,
                                         "Expected to find process definition with process ID '" +
                                             value.bpmn_process_id + "', but none found");
    }
    key = *found;
  }
  auto process = context.processes.Get(context.state, key);
  if (process == nullptr) {
    return reject(RejectionType::kNotFound, "Expected to find process definition with key '" +
                                                std::to_string(key) + "', but none found");
  }
  return process;
}

}  // namespace

void ProcessInstanceCreationCreate(ProcessingContext& context, const RecordT& command) {
  const auto* value = command.typed_value.AsProcessInstanceCreationRecord();
  if (value == nullptr) return;
  auto process = FindDefinition(context, command, *value);
  if (process == nullptr) return;
  if (!value->start_instructions.empty()) {
    return context.writers.Rejection(
        command, RejectionType::kInvalidArgument,
        "Expected to create an instance at its none start event: start instructions are not "
        "supported by this engine yet");
  }
  if (!process->model->NoneStartEvent()) {
    return context.writers.Rejection(
        command, RejectionType::kInvalidState,
        "Expected to create instance of process with none start event, but there is no such "
        "event");
  }
  Result<nlohmann::json> variables = ParseVariablesDocument(value->variables, "variables");
  if (!variables.ok()) {
    return context.writers.Rejection(command, RejectionType::kInvalidArgument,
                                     variables.status().message());
  }

  const int64_t instance_key = context.keys.Next();
  record::fb::ProcessInstanceRecordT instance;
  instance.bpmn_process_id = process->bpmn_process_id;
  instance.version = process->version;
  instance.process_definition_key = process->key;
  instance.process_instance_key = instance_key;
  instance.element_id = process->bpmn_process_id;
  instance.bpmn_element_type = record::fb::BpmnElementType::PROCESS;
  instance.tenant_id = value->tenant_id;
  Variables(context).MergeLocal(instance_key, instance, *variables);
  context.writers.Command(instance_key, record::ProcessInstanceIntent::kActivateElement, instance);

  record::fb::ProcessInstanceCreationRecordT created = *value;
  created.bpmn_process_id = process->bpmn_process_id;
  created.version = process->version;
  created.process_definition_key = process->key;
  created.process_instance_key = instance_key;
  const bool await_result =
      command.intent ==
      record::IntentCode(ProcessInstanceCreationIntent::kCreateWithAwaitingResult);
  if (await_result) {
    // Answered when the instance completes (BpmnProcessor::OnProcessCompleted).
    context.writers.EventKeepingRequest(
        command, instance_key, ProcessInstanceCreationIntent::kCreated, std::move(created));
  } else {
    context.writers.Event(instance_key, ProcessInstanceCreationIntent::kCreated,
                          std::move(created));
    context.writers.RespondTo(command, context.writers.last());
  }
}

void ProcessProcessInstanceCommand(ProcessingContext& context, const RecordT& command) {
  BpmnProcessor(context).OnCommand(command);
}

}  // namespace waggle::engine
