// JOB commands from workers (COMPLETE, FAIL, THROW_ERROR, UPDATE_RETRIES,
// UPDATE_TIMEOUT) and from the partition's clock (TIME_OUT, RECUR_AFTER_BACKOFF).
#include <string>

#include "common/record/intent.h"
#include "engine/processing/bpmn/bpmn_processor.h"
#include "engine/processing/bpmn/variables.h"
#include "engine/processing/incidents.h"
#include "engine/processing/processing_context.h"

namespace waggle::engine {

using record::JobIntent;
using record::RejectionType;
using record::fb::JobRecordT;
using record::fb::RecordT;
using state::JobLifecycle;

namespace {

std::string Key(int64_t key) {
  return std::to_string(key);
}

std::string_view LifecycleName(JobLifecycle lifecycle) {
  switch (lifecycle) {
    case JobLifecycle::kActivatable: return "ACTIVATABLE";
    case JobLifecycle::kActivated: return "ACTIVATED";
    case JobLifecycle::kFailed: return "FAILED";
    case JobLifecycle::kBackoff: return "FAILED";
  }
  return "UNKNOWN";
}

// The job a command names, or a rejection: NOT_FOUND when there is none,
// INVALID_STATE when it is not in one of `allowed`.
std::optional<state::fb::StoredJobT> FindJob(ProcessingContext& context, const RecordT& command,
                                             std::string_view action,
                                             std::initializer_list<JobLifecycle> allowed) {
  auto job = context.state.jobs.Get(command.key);
  if (!job || job->value == nullptr) {
    context.writers.Rejection(command, RejectionType::kNotFound,
                              "Expected to " + std::string(action) + " job with key '" +
                                  Key(command.key) + "', but no such job was found");
    return std::nullopt;
  }
  const auto lifecycle = static_cast<JobLifecycle>(job->state);
  for (JobLifecycle ok : allowed) {
    if (ok == lifecycle) return job;
  }
  context.writers.Rejection(command, RejectionType::kInvalidState,
                            "Expected to " + std::string(action) + " job with key '" +
                                Key(command.key) + "', but it is in state '" +
                                std::string(LifecycleName(lifecycle)) + "'");
  return std::nullopt;
}

void Complete(ProcessingContext& context, const RecordT& command, const JobRecordT& input) {
  auto job = FindJob(context, command, "complete job",
                     {JobLifecycle::kActivatable, JobLifecycle::kActivated});
  if (!job) return;
  Result<nlohmann::json> variables = ParseVariablesDocument(input.variables, "variables");
  if (!variables.ok()) {
    return context.writers.Rejection(command, RejectionType::kInvalidArgument,
                                     variables.status().message());
  }
  JobRecordT completed = *job->value;
  completed.variables = variables->dump();
  const int64_t element_instance_key = completed.element_instance_key;
  context.writers.Event(command.key, JobIntent::kCompleted, std::move(completed));
  context.writers.RespondTo(command, context.writers.last());
  auto instance = context.state.element_instances.Get(element_instance_key);
  if (instance && instance->value) {
    context.writers.Command(element_instance_key, record::ProcessInstanceIntent::kCompleteElement,
                            *instance->value);
  }
}

void Fail(ProcessingContext& context, const RecordT& command, const JobRecordT& input) {
  auto job = FindJob(context, command, "fail job", {JobLifecycle::kActivated});
  if (!job) return;
  JobRecordT failed = *job->value;
  failed.retries = input.retries;
  failed.error_message = input.error_message;
  failed.retry_backoff = input.retry_backoff;
  failed.worker = input.worker.empty() ? failed.worker : input.worker;
  context.writers.Event(command.key, JobIntent::kFailed, failed);
  context.writers.RespondTo(command, context.writers.last());
  if (failed.retries > 0) {
    if (failed.retry_backoff <= 0) context.writers.JobsAvailable(failed.type);
    return;
  }
  record::fb::IncidentRecordT incident;
  incident.error_type = record::fb::ErrorType::JOB_NO_RETRIES;
  incident.error_message =
      failed.error_message.empty() ? "No more retries left." : failed.error_message;
  incident.bpmn_process_id = failed.bpmn_process_id;
  incident.process_definition_key = failed.process_definition_key;
  incident.process_instance_key = failed.process_instance_key;
  incident.element_id = failed.element_id;
  incident.element_instance_key = failed.element_instance_key;
  incident.job_key = command.key;
  incident.variable_scope_key = failed.element_instance_key;
  incident.tenant_id = failed.tenant_id;
  RaiseIncident(context, std::move(incident));
}

void UpdateRetries(ProcessingContext& context, const RecordT& command, const JobRecordT& input) {
  if (input.retries < 1) {
    return context.writers.Rejection(
        command, RejectionType::kInvalidArgument,
        "Expected to update retries for job with key '" + Key(command.key) +
            "' with a positive amount of retries, but the amount given was '" +
            std::to_string(input.retries) + "'");
  }
  auto job = FindJob(context, command, "update retries of",
                     {JobLifecycle::kActivatable, JobLifecycle::kActivated, JobLifecycle::kFailed,
                      JobLifecycle::kBackoff});
  if (!job) return;
  JobRecordT updated = *job->value;
  updated.retries = input.retries;
  context.writers.Event(command.key, JobIntent::kRetriesUpdated, std::move(updated));
  context.writers.RespondTo(command, context.writers.last());
}

// UPDATE_TIMEOUT: an activated job's deadline becomes the command's time
// plus the new timeout, as in Zeebe's JobUpdateTimeoutProcessor.
void UpdateTimeout(ProcessingContext& context, const RecordT& command, const JobRecordT& input) {
  auto job = context.state.jobs.Get(command.key);
  if (!job || job->value == nullptr) {
    return context.writers.Rejection(command, RejectionType::kNotFound,
                                     "Expected to update job deadline with key '" +
                                         Key(command.key) + "', but no such job was found");
  }
  if (static_cast<JobLifecycle>(job->state) != JobLifecycle::kActivated) {
    return context.writers.Rejection(command, RejectionType::kInvalidState,
                                     "Expected to update the timeout of job with key '" +
                                         Key(command.key) + "', but it is not active");
  }
  JobRecordT updated = *job->value;
  updated.deadline = context.now() + input.timeout;
  context.writers.Event(command.key, JobIntent::kTimeoutUpdated, std::move(updated));
  context.writers.RespondTo(command, context.writers.last());
}

// THROW_ERROR: the job's element throws a BPMN error. A catch event takes
// it (the job is removed, its variables go to the catch event); otherwise
// the job waits, failed, behind an UNHANDLED_ERROR_EVENT incident. As in
// Zeebe, ERROR_THROWN of an uncaught error carries NO_CATCH_EVENT_FOUND as
// its element id.
void ThrowError(ProcessingContext& context, const RecordT& command, const JobRecordT& input) {
  auto job = FindJob(context, command, "throw an error for",
                     {JobLifecycle::kActivatable, JobLifecycle::kActivated});
  if (!job) return;
  std::string variables;
  if (!input.variables.empty()) {
    Result<nlohmann::json> document = ParseVariablesDocument(input.variables, "variables");
    if (!document.ok()) {
      return context.writers.Rejection(command, RejectionType::kInvalidArgument,
                                       document.status().message());
    }
    variables = document->dump();
  }
  JobRecordT thrown = *job->value;
  thrown.error_code = input.error_code;
  thrown.error_message = input.error_message;
  thrown.variables = variables.empty() ? "{}" : variables;
  BpmnProcessor bpmn(context);
  Result<BpmnProcessor::ErrorCatch> caught =
      bpmn.FindErrorCatch(thrown.element_instance_key, thrown.error_code, thrown.error_message);
  if (!caught.ok()) {
    record::fb::IncidentRecordT incident;
    incident.error_type = record::fb::ErrorType::UNHANDLED_ERROR_EVENT;
    incident.error_message = caught.status().message();
    incident.bpmn_process_id = thrown.bpmn_process_id;
    incident.process_definition_key = thrown.process_definition_key;
    incident.process_instance_key = thrown.process_instance_key;
    incident.element_id = thrown.element_id;
    incident.element_instance_key = thrown.element_instance_key;
    incident.job_key = command.key;
    incident.variable_scope_key = thrown.element_instance_key;
    incident.tenant_id = thrown.tenant_id;
    thrown.element_id = std::string(state::kNoCatchEventFound);
    context.writers.Event(command.key, JobIntent::kErrorThrown, std::move(thrown));
    context.writers.RespondTo(command, context.writers.last());
    return RaiseIncident(context, std::move(incident));
  }
  if (!bpmn.AcceptsEvent(caught->scope_key, caught->event_id)) {
    return context.writers.Rejection(
        command, RejectionType::kInvalidState,
        "Expected to find event scope that is accepting events, but element instance '" +
            Key(caught->scope_key) + "' is not");
  }
  context.writers.Event(command.key, JobIntent::kErrorThrown, std::move(thrown));
  context.writers.RespondTo(command, context.writers.last());
  bpmn.TriggerEvent(caught->scope_key, caught->event_id, variables);
}

// TIME_OUT and RECUR_AFTER_BACKOFF come from DueCommands; by the time they
// are processed the job may have moved on, which is no error.
void TimeOut(ProcessingContext& context, const RecordT& command) {
  auto job = context.state.jobs.Get(command.key);
  if (!job || job->value == nullptr ||
      static_cast<JobLifecycle>(job->state) != JobLifecycle::kActivated ||
      job->value->deadline > context.now()) {
    return context.writers.Rejection(command, RejectionType::kInvalidState,
                                     "Expected to time out activated job with key '" +
                                         Key(command.key) + "', but it is not due");
  }
  context.writers.Event(command.key, JobIntent::kTimedOut, JobRecordT(*job->value));
  context.writers.JobsAvailable(job->value->type);
}

void RecurAfterBackoff(ProcessingContext& context, const RecordT& command) {
  auto job = context.state.jobs.Get(command.key);
  if (!job || job->value == nullptr ||
      static_cast<JobLifecycle>(job->state) != JobLifecycle::kBackoff ||
      job->value->recurring_time > context.now()) {
    return context.writers.Rejection(command, RejectionType::kInvalidState,
                                     "Expected to recur failed job with key '" + Key(command.key) +
                                         "' after its back-off, but it is "
                                         "not due");
  }
  context.writers.Event(command.key, JobIntent::kRecurredAfterBackoff, JobRecordT(*job->value));
  context.writers.JobsAvailable(job->value->type);
}

}  // namespace

void ProcessJobCommand(ProcessingContext& context, const RecordT& command) {
  const auto* input = command.typed_value.AsJobRecord();
  static const JobRecordT kEmpty;
  const JobRecordT& job = input != nullptr ? *input : kEmpty;
  switch (static_cast<JobIntent>(command.intent)) {
    case JobIntent::kComplete: return Complete(context, command, job);
    case JobIntent::kFail: return Fail(context, command, job);
    case JobIntent::kUpdateRetries: return UpdateRetries(context, command, job);
    case JobIntent::kUpdateTimeout: return UpdateTimeout(context, command, job);
    case JobIntent::kThrowError: return ThrowError(context, command, job);
    case JobIntent::kTimeOut: return TimeOut(context, command);
    case JobIntent::kRecurAfterBackoff: return RecurAfterBackoff(context, command);
    default:
      context.writers.Rejection(command, RejectionType::kInvalidArgument,
                                "Expected a JOB command this engine processes (COMPLETE, FAIL, "
                                "THROW_ERROR, UPDATE_RETRIES, UPDATE_TIMEOUT), but got intent " +
                                    std::to_string(command.intent));
  }
}

}  // namespace waggle::engine
