#include "gateway/commands.h"

#include <nlohmann/json.hpp>

#include "common/record/intent.h"
#include "common/record/key.h"
#include "common/record/record_type.h"
#include "common/record/rejection_type.h"

namespace waggle::gateway {

namespace {

namespace fb = record::fb;
using record::ValueType;

fb::RecordT NewCommand(ValueType type, uint8_t intent, int64_t key = -1) {
  fb::RecordT command;
  command.record_type = static_cast<uint8_t>(record::RecordType::kCommand);
  command.value_type = static_cast<uint8_t>(type);
  command.intent = intent;
  command.key = key;
  return command;
}

grpc::Status InvalidArgument(std::string message) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, std::move(message));
}

// Variables arrive as JSON text whose root must be an object; empty text
// means no variables. Zeebe's clients send "" when the user gave none.
grpc::Status CheckVariables(std::string_view field, const std::string& text) {
  if (text.empty()) return grpc::Status::OK;
  nlohmann::json document;
  try {
    document = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    return InvalidArgument("Expected argument '" + std::string(field) +
                           "' to be a JSON object, but got invalid JSON: " + e.what());
  }
  if (!document.is_object()) {
    return InvalidArgument("Expected argument '" + std::string(field) +
                           "' to be a JSON object, but got " + document.type_name() + " '" + text +
                           "'");
  }
  return grpc::Status::OK;
}

// A key names its partition (key.h); a key without one cannot be routed.
grpc::Status KeyRoute(std::string_view field, int64_t key, Route* route) {
  const int32_t partition = record::PartitionOf(key);
  if (key <= 0 || partition < 1) {
    return InvalidArgument("Expected argument '" + std::string(field) +
                           "' to be a key that names a partition, but got " + std::to_string(key));
  }
  route->kind = Route::Kind::kPartition;
  route->partition = partition;
  return grpc::Status::OK;
}

grpc::Status NonNegative(std::string_view field, int64_t value) {
  if (value >= 0) return grpc::Status::OK;
  return InvalidArgument("Expected argument '" + std::string(field) +
                         "' to be zero or greater, but got " + std::to_string(value));
}

std::string TenantOf(const std::string& tenant_id) {
  return tenant_id.empty() ? "<default>" : tenant_id;
}

grpc::Status BuildDeployment(
    const google::protobuf::RepeatedPtrField<gw::Resource>* resources,
    const google::protobuf::RepeatedPtrField<gw::ProcessRequestObject>* processes,
    Command* command) {
  fb::DeploymentRecordT deployment;
  auto add = [&](const std::string& name, const std::string& content) {
    auto resource = std::make_unique<fb::DeploymentResourceT>();
    resource->resource_name = name;
    resource->resource.assign(content.begin(), content.end());
    deployment.resources.push_back(std::move(resource));
  };
  if (resources != nullptr) {
    for (const gw::Resource& r : *resources) add(r.name(), r.content());
  } else {
    for (const gw::ProcessRequestObject& p : *processes) add(p.name(), p.definition());
  }
  if (deployment.resources.empty()) {
    return InvalidArgument(std::string("Expected argument '") +
                           (resources != nullptr ? "resources" : "processes") +
                           "' to contain at least one resource, but got none");
  }
  command->route = Route{Route::Kind::kPartition, 1, {}};
  command->record =
      NewCommand(ValueType::kDeployment, record::IntentCode(record::DeploymentIntent::kCreate));
  command->record.typed_value.Set(std::move(deployment));
  return grpc::Status::OK;
}

grpc::Status BuildCreation(const gw::CreateProcessInstanceRequest& request, uint8_t intent,
                           std::vector<std::string> fetch_variables, Command* command) {
  if (grpc::Status s = CheckVariables("variables", request.variables()); !s.ok()) return s;
  if (request.processdefinitionkey() <= 0 && request.bpmnprocessid().empty()) {
    return InvalidArgument(
        "Expected argument 'bpmnProcessId' or 'processDefinitionKey' to identify a process, "
        "but got neither");
  }
  fb::ProcessInstanceCreationRecordT creation;
  creation.bpmn_process_id = request.bpmnprocessid();
  // The definition key wins over id and version; 0 means unset in proto3.
  creation.process_definition_key =
      request.processdefinitionkey() > 0 ? request.processdefinitionkey() : -1;
  // Version 0 is not a version Zeebe hands out; clients send -1 for latest,
  // proto3's default 0 also means latest.
  creation.version = request.version() > 0 ? request.version() : -1;
  creation.variables = request.variables();
  for (const gw::ProcessInstanceCreationStartInstruction& i : request.startinstructions()) {
    auto instruction = std::make_unique<fb::ProcessInstanceCreationStartInstructionT>();
    instruction->element_id = i.elementid();
    creation.start_instructions.push_back(std::move(instruction));
  }
  creation.fetch_variables = std::move(fetch_variables);
  // As Zeebe's gateway: round-robin even with a definition key, since every
  // partition knows every deployed process.
  command->route = Route{Route::Kind::kRoundRobin, 0, {}};
  command->record = NewCommand(ValueType::kProcessInstanceCreation, intent);
  command->record.typed_value.Set(std::move(creation));
  return grpc::Status::OK;
}

grpc::Status BuildJobCommand(std::string_view key_field, int64_t job_key, record::JobIntent intent,
                             fb::JobRecordT job, Command* command) {
  if (grpc::Status s = KeyRoute(key_field, job_key, &command->route); !s.ok()) return s;
  command->record = NewCommand(ValueType::kJob, record::IntentCode(intent), job_key);
  command->record.typed_value.Set(std::move(job));
  return grpc::Status::OK;
}

grpc::StatusCode CodeOfRejection(uint8_t rejection_type) {
  using record::RejectionType;
  switch (static_cast<RejectionType>(rejection_type)) {
    case RejectionType::kInvalidArgument: return grpc::StatusCode::INVALID_ARGUMENT;
    case RejectionType::kNotFound: return grpc::StatusCode::NOT_FOUND;
    case RejectionType::kAlreadyExists: return grpc::StatusCode::ALREADY_EXISTS;
    case RejectionType::kInvalidState: return grpc::StatusCode::FAILED_PRECONDITION;
    case RejectionType::kExceededBatchRecordSize: return grpc::StatusCode::INVALID_ARGUMENT;
    default: return grpc::StatusCode::INTERNAL;
  }
}

gw::ProcessMetadata ProcessMetadataOf(const fb::ProcessMetadataT& metadata) {
  gw::ProcessMetadata out;
  out.set_bpmnprocessid(metadata.bpmn_process_id);
  out.set_version(metadata.version);
  out.set_processdefinitionkey(metadata.process_definition_key);
  out.set_resourcename(metadata.resource_name);
  out.set_tenantid(TenantOf(metadata.tenant_id));
  return out;
}

}  // namespace

grpc::Status BuildCommand(const gw::DeployResourceRequest& request, Command* command) {
  return BuildDeployment(&request.resources(), nullptr, command);
}

grpc::Status BuildCommand(const gw::DeployProcessRequest& request, Command* command) {
  return BuildDeployment(nullptr, &request.processes(), command);
}

grpc::Status BuildCommand(const gw::CreateProcessInstanceRequest& request, Command* command) {
  return BuildCreation(request, record::IntentCode(record::ProcessInstanceCreationIntent::kCreate),
                       {}, command);
}

grpc::Status BuildCommand(const gw::CreateProcessInstanceWithResultRequest& request,
                          Command* command) {
  if (grpc::Status s = NonNegative("requestTimeout", request.requesttimeout()); !s.ok()) {
    return s;
  }
  grpc::Status s = BuildCreation(
      request.request(),
      record::IntentCode(record::ProcessInstanceCreationIntent::kCreateWithAwaitingResult),
      {request.fetchvariables().begin(), request.fetchvariables().end()}, command);
  command->timeout = std::chrono::milliseconds(request.requesttimeout());
  return s;
}

grpc::Status BuildCommand(const gw::CancelProcessInstanceRequest& request, Command* command) {
  const int64_t key = request.processinstancekey();
  if (grpc::Status s = KeyRoute("processInstanceKey", key, &command->route); !s.ok()) return s;
  fb::ProcessInstanceRecordT instance;
  instance.process_instance_key = key;
  command->record = NewCommand(ValueType::kProcessInstance,
                               record::IntentCode(record::ProcessInstanceIntent::kCancel), key);
  command->record.typed_value.Set(std::move(instance));
  return grpc::Status::OK;
}

grpc::Status BuildCommand(const gw::CompleteJobRequest& request, Command* command) {
  if (grpc::Status s = CheckVariables("variables", request.variables()); !s.ok()) return s;
  fb::JobRecordT job;
  job.variables = request.variables();
  return BuildJobCommand("jobKey", request.jobkey(), record::JobIntent::kComplete, std::move(job),
                         command);
}

grpc::Status BuildCommand(const gw::FailJobRequest& request, Command* command) {
  if (grpc::Status s = CheckVariables("variables", request.variables()); !s.ok()) return s;
  if (grpc::Status s = NonNegative("retryBackOff", request.retrybackoff()); !s.ok()) return s;
  fb::JobRecordT job;
  job.retries = request.retries();
  job.error_message = request.errormessage();
  job.retry_backoff = request.retrybackoff();
  job.variables = request.variables();
  return BuildJobCommand("jobKey", request.jobkey(), record::JobIntent::kFail, std::move(job),
                         command);
}

grpc::Status BuildCommand(const gw::ThrowErrorRequest& request, Command* command) {
  if (grpc::Status s = CheckVariables("variables", request.variables()); !s.ok()) return s;
  if (request.errorcode().empty()) {
    return InvalidArgument("Expected argument 'errorCode' to be a non-empty string, but got ''");
  }
  fb::JobRecordT job;
  job.error_code = request.errorcode();
  job.error_message = request.errormessage();
  job.variables = request.variables();
  return BuildJobCommand("jobKey", request.jobkey(), record::JobIntent::kThrowError, std::move(job),
                         command);
}

grpc::Status BuildCommand(const gw::UpdateJobRetriesRequest& request, Command* command) {
  fb::JobRecordT job;
  job.retries = request.retries();
  return BuildJobCommand("jobKey", request.jobkey(), record::JobIntent::kUpdateRetries,
                         std::move(job), command);
}

grpc::Status BuildCommand(const gw::UpdateJobTimeoutRequest& request, Command* command) {
  if (grpc::Status s = NonNegative("timeout", request.timeout()); !s.ok()) return s;
  fb::JobRecordT job;
  job.timeout = request.timeout();
  return BuildJobCommand("jobKey", request.jobkey(), record::JobIntent::kUpdateTimeout,
                         std::move(job), command);
}

grpc::Status BuildCommand(const gw::PublishMessageRequest& request, Command* command) {
  if (grpc::Status s = CheckVariables("variables", request.variables()); !s.ok()) return s;
  if (grpc::Status s = NonNegative("timeToLive", request.timetolive()); !s.ok()) return s;
  if (request.name().empty()) {
    return InvalidArgument("Expected argument 'name' to be a non-empty string, but got ''");
  }
  fb::MessageRecordT message;
  message.name = request.name();
  message.correlation_key = request.correlationkey();
  message.time_to_live = request.timetolive();
  message.message_id = request.messageid();
  message.variables = request.variables();
  command->route = Route{Route::Kind::kCorrelationKey, 0, request.correlationkey()};
  command->record =
      NewCommand(ValueType::kMessage, record::IntentCode(record::MessageIntent::kPublish));
  command->record.typed_value.Set(std::move(message));
  return grpc::Status::OK;
}

grpc::Status BuildCommand(const gw::SetVariablesRequest& request, Command* command) {
  if (grpc::Status s = CheckVariables("variables", request.variables()); !s.ok()) return s;
  const int64_t scope = request.elementinstancekey();
  if (grpc::Status s = KeyRoute("elementInstanceKey", scope, &command->route); !s.ok()) return s;
  fb::VariableDocumentRecordT document;
  document.scope_key = scope;
  document.update_semantics = request.local() ? fb::VariableDocumentUpdateSemantic::LOCAL
                                              : fb::VariableDocumentUpdateSemantic::PROPAGATE;
  document.variables = request.variables();
  command->record = NewCommand(ValueType::kVariableDocument,
                               record::IntentCode(record::VariableDocumentIntent::kUpdate));
  command->record.typed_value.Set(std::move(document));
  return grpc::Status::OK;
}

grpc::Status BuildCommand(const gw::ResolveIncidentRequest& request, Command* command) {
  const int64_t key = request.incidentkey();
  if (grpc::Status s = KeyRoute("incidentKey", key, &command->route); !s.ok()) return s;
  command->record =
      NewCommand(ValueType::kIncident, record::IntentCode(record::IncidentIntent::kResolve), key);
  command->record.typed_value.Set(fb::IncidentRecordT());
  return grpc::Status::OK;
}

grpc::Status ValidateActivateJobs(const gw::ActivateJobsRequest& request) {
  if (request.type().empty()) {
    return InvalidArgument("Expected argument 'type' to be a non-empty string, but got ''");
  }
  if (request.maxjobstoactivate() < 1) {
    return InvalidArgument("Expected argument 'maxJobsToActivate' to be greater than 0, but got " +
                           std::to_string(request.maxjobstoactivate()));
  }
  if (request.timeout() < 1) {
    return InvalidArgument("Expected argument 'timeout' to be greater than 0, but got " +
                           std::to_string(request.timeout()));
  }
  return grpc::Status::OK;
}

record::fb::RecordT ActivateJobsCommand(const gw::ActivateJobsRequest& request, int32_t max_jobs) {
  fb::JobBatchRecordT batch;
  batch.type = request.type();
  batch.worker = request.worker();
  batch.timeout = request.timeout();
  batch.max_jobs_to_activate = max_jobs;
  batch.fetch_variables.assign(request.fetchvariable().begin(), request.fetchvariable().end());
  batch.tenant_ids.assign(request.tenantids().begin(), request.tenantids().end());
  fb::RecordT command =
      NewCommand(ValueType::kJobBatch, record::IntentCode(record::JobBatchIntent::kActivate));
  command.typed_value.Set(std::move(batch));
  return command;
}

record::fb::RecordT GiveBackJobCommand(int64_t job_key, int32_t retries, std::string_view reason) {
  fb::JobRecordT job;
  job.retries = retries;
  job.error_message = std::string(reason);
  job.retry_backoff = 0;
  fb::RecordT command =
      NewCommand(ValueType::kJob, record::IntentCode(record::JobIntent::kFail), job_key);
  command.typed_value.Set(std::move(job));
  return command;
}

grpc::Status CheckAnswer(const record::fb::RecordT& answer, record::ValueType type) {
  const auto value_type = static_cast<ValueType>(answer.value_type);
  if (answer.record_type == static_cast<uint8_t>(record::RecordType::kCommandRejection)) {
    const std::string intent(record::IntentName(value_type, answer.intent).value_or("UNKNOWN"));
    const std::string rejection(
        record::RejectionTypeName(static_cast<record::RejectionType>(answer.rejection_type))
            .value_or("UNKNOWN"));
    return grpc::Status(CodeOfRejection(answer.rejection_type),
                        "Command '" + intent + "' rejected with code '" + rejection +
                            "': " + answer.rejection_reason);
  }
  if (answer.record_type != static_cast<uint8_t>(record::RecordType::kEvent) ||
      value_type != type) {
    return grpc::Status(grpc::StatusCode::INTERNAL,
                        "Expected the broker to answer with a " +
                            std::string(record::ValueTypeName(type).value_or("?")) +
                            " event, but got a " +
                            std::string(record::ValueTypeName(value_type).value_or("?")) +
                            " record of type " + std::to_string(answer.record_type));
  }
  return grpc::Status::OK;
}

void MapResponse(const record::fb::RecordT& answer, gw::DeployResourceResponse* response) {
  response->set_key(answer.key);
  const fb::DeploymentRecordT* deployment = answer.typed_value.AsDeploymentRecord();
  if (deployment == nullptr) return;
  response->set_tenantid(TenantOf(deployment->tenant_id));
  for (const auto& metadata : deployment->processes_metadata) {
    *response->add_deployments()->mutable_process() = ProcessMetadataOf(*metadata);
  }
}

void MapResponse(const record::fb::RecordT& answer, gw::DeployProcessResponse* response) {
  response->set_key(answer.key);
  const fb::DeploymentRecordT* deployment = answer.typed_value.AsDeploymentRecord();
  if (deployment == nullptr) return;
  for (const auto& metadata : deployment->processes_metadata) {
    *response->add_processes() = ProcessMetadataOf(*metadata);
  }
}

void MapResponse(const record::fb::RecordT& answer, gw::CreateProcessInstanceResponse* response) {
  const fb::ProcessInstanceCreationRecordT* creation =
      answer.typed_value.AsProcessInstanceCreationRecord();
  if (creation == nullptr) return;
  response->set_processdefinitionkey(creation->process_definition_key);
  response->set_bpmnprocessid(creation->bpmn_process_id);
  response->set_version(creation->version);
  response->set_processinstancekey(creation->process_instance_key);
  response->set_tenantid(TenantOf(creation->tenant_id));
}

void MapResponse(const record::fb::RecordT& answer,
                 gw::CreateProcessInstanceWithResultResponse* response) {
  const fb::ProcessInstanceResultRecordT* result =
      answer.typed_value.AsProcessInstanceResultRecord();
  if (result == nullptr) return;
  response->set_processdefinitionkey(result->process_definition_key);
  response->set_bpmnprocessid(result->bpmn_process_id);
  response->set_version(result->version);
  response->set_processinstancekey(result->process_instance_key);
  response->set_variables(result->variables.empty() ? "{}" : result->variables);
  response->set_tenantid(TenantOf(result->tenant_id));
}

void MapResponse(const record::fb::RecordT& answer, gw::PublishMessageResponse* response) {
  response->set_key(answer.key);
  const fb::MessageRecordT* message = answer.typed_value.AsMessageRecord();
  response->set_tenantid(TenantOf(message != nullptr ? message->tenant_id : ""));
}

void MapResponse(const record::fb::RecordT& answer, gw::SetVariablesResponse* response) {
  response->set_key(answer.key);
}

void MapActivatedJobs(const record::fb::RecordT& answer, gw::ActivateJobsResponse* response) {
  const fb::JobBatchRecordT* batch = answer.typed_value.AsJobBatchRecord();
  if (batch == nullptr) return;
  const size_t count = std::min(batch->job_keys.size(), batch->jobs.size());
  for (size_t i = 0; i < count; ++i) {
    const fb::JobRecordT& job = *batch->jobs[i];
    gw::ActivatedJob* out = response->add_jobs();
    out->set_key(batch->job_keys[i]);
    out->set_type(job.type);
    out->set_processinstancekey(job.process_instance_key);
    out->set_bpmnprocessid(job.bpmn_process_id);
    out->set_processdefinitionversion(job.process_definition_version);
    out->set_processdefinitionkey(job.process_definition_key);
    out->set_elementid(job.element_id);
    out->set_elementinstancekey(job.element_instance_key);
    out->set_customheaders(job.custom_headers.empty() ? "{}" : job.custom_headers);
    out->set_worker(job.worker);
    out->set_retries(job.retries);
    out->set_deadline(job.deadline);
    out->set_variables(job.variables.empty() ? "{}" : job.variables);
    out->set_tenantid(TenantOf(job.tenant_id));
  }
}

}  // namespace waggle::gateway
