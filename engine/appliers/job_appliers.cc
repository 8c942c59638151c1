// Jobs move between the activatable, activated, back-off and failed indexes;
// a completed job hands its variables to its element instance, which
// applies them when it completes; a job whose error was caught is removed.
#include "common/record/intent.h"
#include "engine/appliers/event_applier.h"

namespace waggle::engine {
namespace {

using record::JobIntent;
using state::JobLifecycle;

void SetElementJob(state::EngineState& state, int64_t element_instance_key, int64_t job_key,
                   const std::string* pending_variables) {
  auto* instance = state.element_instances.FindForUpdate(element_instance_key);
  if (instance == nullptr) return;
  instance->job_key = job_key;
  if (pending_variables != nullptr) instance->pending_variables = *pending_variables;
}

}  // namespace

void ApplyJobEvent(state::EngineState& state, const record::fb::RecordT& event) {
  const auto* value = event.typed_value.AsJobRecord();
  if (value == nullptr) return;
  const int64_t key = event.key;
  // Valid until the job changes: each case copies what it needs first.
  const state::fb::StoredJobT* stored = state.jobs.Find(key);
  switch (static_cast<JobIntent>(event.intent)) {
    case JobIntent::kCreated:
      state.jobs.Put(key, JobLifecycle::kActivatable, *value);
      SetElementJob(state, value->element_instance_key, key, nullptr);
      break;
    case JobIntent::kCompleted:
      state.jobs.Remove(key);
      SetElementJob(state, value->element_instance_key, -1, &value->variables);
      break;
    case JobIntent::kCanceled: state.jobs.Remove(key); break;
    case JobIntent::kFailed: {
      if (!stored) break;
      record::fb::JobRecordT job = *stored->value;
      job.retries = value->retries;
      job.error_message = value->error_message;
      job.retry_backoff = value->retry_backoff;
      job.deadline = -1;
      JobLifecycle lifecycle = JobLifecycle::kFailed;
      if (job.retries > 0 && job.retry_backoff > 0) {
        job.recurring_time = event.timestamp + job.retry_backoff;
        lifecycle = JobLifecycle::kBackoff;
      } else if (job.retries > 0) {
        lifecycle = JobLifecycle::kActivatable;
      }
      state.jobs.Put(key, lifecycle, std::move(job));
      break;
    }
    case JobIntent::kTimedOut:
    case JobIntent::kRecurredAfterBackoff: {
      if (!stored) break;
      record::fb::JobRecordT job = *stored->value;
      job.deadline = -1;
      job.recurring_time = -1;
      state.jobs.Put(key, JobLifecycle::kActivatable, std::move(job));
      break;
    }
    case JobIntent::kRetriesUpdated: {
      if (!stored) break;
      record::fb::JobRecordT job = *stored->value;
      job.retries = value->retries;
      const auto lifecycle = static_cast<JobLifecycle>(stored->state);
      state.jobs.Put(key, lifecycle, std::move(job));
      break;
    }
    case JobIntent::kTimeoutUpdated: {
      if (!stored) break;
      record::fb::JobRecordT job = *stored->value;
      job.deadline = value->deadline;
      state.jobs.Put(key, static_cast<JobLifecycle>(stored->state), job);
      break;
    }
    case JobIntent::kErrorThrown: {
      if (!stored) break;
      if (value->element_id != state::kNoCatchEventFound) {
        // Caught: the job is done, and its element is terminated without
        // canceling it.
        state.jobs.Remove(key);
        SetElementJob(state, value->element_instance_key, -1, nullptr);
        break;
      }
      // Not caught: the job waits, failed, for its incident to be resolved.
      record::fb::JobRecordT job = *stored->value;
      job.error_code = value->error_code;
      job.error_message = value->error_message;
      state.jobs.Put(key, JobLifecycle::kFailed, std::move(job));
      break;
    }
    default: break;
  }
}

void ApplyJobBatchEvent(state::EngineState& state, const record::fb::RecordT& event) {
  const auto* batch = event.typed_value.AsJobBatchRecord();
  if (batch == nullptr) return;
  for (size_t i = 0; i < batch->job_keys.size() && i < batch->jobs.size(); ++i) {
    record::fb::JobRecordT job = *batch->jobs[i];
    // The batch carries the jobs' variables for the worker; the stored job
    // does not keep them.
    job.variables.clear();
    state.jobs.Put(batch->job_keys[i], JobLifecycle::kActivated, std::move(job));
  }
}

}  // namespace waggle::engine
