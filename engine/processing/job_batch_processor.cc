// JOB_BATCH ACTIVATE: hands up to maxJobsToActivate activatable jobs of a
// type to a worker, each with a deadline (now + timeout) and the variables
// the worker fetches.
#include <string>

#include "common/record/intent.h"
#include "engine/processing/bpmn/variables.h"
#include "engine/processing/processing_context.h"

namespace waggle::engine {

using record::RejectionType;
using record::fb::RecordT;

namespace {

// Zeebe's default maximum message size bounds the batch (the gateway must
// send it in one response).
constexpr size_t kMaxBatchBytes = 4 * 1024 * 1024 - 64 * 1024;

}  // namespace

void ProcessJobBatchActivate(ProcessingContext& context, const RecordT& command) {
  const auto* value = command.typed_value.AsJobBatchRecord();
  if (value == nullptr) return;
  auto reject = [&](std::string reason) {
    context.writers.Rejection(command, RejectionType::kInvalidArgument, std::move(reason));
  };
  if (value->type.empty()) {
    return reject("Expected to activate job batch with type to be present, but it was blank");
  }
  if (value->max_jobs_to_activate < 1) {
    return reject(
        "Expected to activate job batch with max jobs to activate to be greater than zero, but "
        "it was '" +
        std::to_string(value->max_jobs_to_activate) + "'");
  }
  if (value->timeout < 1) {
    return reject(
        "Expected to activate job batch with timeout to be greater than zero, but it was '" +
        std::to_string(value->timeout) + "'");
  }

  std::vector<int64_t> keys;
  context.state.jobs.ForEachActivatable(value->type, [&](int64_t key) {
    keys.push_back(key);
    return keys.size() < static_cast<size_t>(value->max_jobs_to_activate);
  });

  record::fb::JobBatchRecordT batch = *value;
  batch.job_keys.clear();
  batch.jobs.clear();
  Variables variables(context);
  size_t bytes = 0;
  for (int64_t key : keys) {
    auto stored = context.state.jobs.Get(key);
    if (!stored || stored->value == nullptr) continue;
    auto job = std::make_unique<record::fb::JobRecordT>(*stored->value);
    job->worker = value->worker;
    job->deadline = context.now() + value->timeout;
    job->timeout = value->timeout;
    job->variables = variables.Visible(job->element_instance_key, value->fetch_variables).dump();
    const size_t size = job->variables.size() + job->custom_headers.size() + 256;
    if (!batch.jobs.empty() && bytes + size > kMaxBatchBytes) {
      batch.truncated = true;
      break;
    }
    bytes += size;
    batch.job_keys.push_back(key);
    batch.jobs.push_back(std::move(job));
  }
  context.writers.Event(context.keys.Next(), record::JobBatchIntent::kActivated, std::move(batch));
  context.writers.RespondTo(command, context.writers.last());
}

}  // namespace waggle::engine
