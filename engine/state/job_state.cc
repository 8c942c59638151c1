#include "engine/state/job_state.h"

#include "engine/state/due_index.h"

#include <string>

namespace waggle::engine::state {
namespace {

std::string TypeAndKey(std::string_view type, int64_t key) {
  std::string out;
  AppendString(&out, type);
  AppendInt64(&out, key);
  return out;
}

// Visits the keys of a (time, job key) index due by `now`.
void ForEachDueJob(const StateAccess& access, ColumnFamily family, int64_t now,
                   const std::function<bool(int64_t)>& visit) {
  ForEachDueEntry(access, family, now, [&](KeyReader& rest) {
    int64_t job_key;
    return !rest.ReadInt64(&job_key) || visit(job_key);
  });
}

}  // namespace

std::optional<fb::StoredJobT> JobState::Get(int64_t key) const {
  const fb::StoredJobT* job = Find(key);
  if (job == nullptr) return std::nullopt;
  return *job;
}

void JobState::Unindex(int64_t key, const fb::StoredJobT& stored) {
  const record::fb::JobRecordT& job = *stored.value;
  switch (static_cast<JobLifecycle>(stored.state)) {
    case JobLifecycle::kActivatable:
      access_->Delete(ColumnFamily::kJobActivatable, TypeAndKey(job.type, key));
      break;
    case JobLifecycle::kActivated:
      access_->Delete(ColumnFamily::kJobDeadlines, KeyOf(job.deadline, key));
      break;
    case JobLifecycle::kBackoff:
      access_->Delete(ColumnFamily::kJobBackoff, KeyOf(job.recurring_time, key));
      break;
    case JobLifecycle::kFailed: break;
  }
}

void JobState::Put(int64_t key, JobLifecycle lifecycle, record::fb::JobRecordT job) {
  const fb::StoredJobT* previous = Find(key);
  if (previous != nullptr && previous->value) Unindex(key, *previous);
  // A job the state does not hold is a new one (job keys are never reused),
  // so its index entries are new keys too.
  const bool is_new = previous == nullptr;
  auto index = [&](ColumnFamily family, const std::string& index_key) {
    if (is_new) {
      access_->PutNew(family, index_key, "");
    } else {
      access_->Put(family, index_key, "");
    }
  };
  switch (lifecycle) {
    case JobLifecycle::kActivatable:
      index(ColumnFamily::kJobActivatable, TypeAndKey(job.type, key));
      break;
    case JobLifecycle::kActivated:
      index(ColumnFamily::kJobDeadlines, KeyOf(job.deadline, key));
      break;
    case JobLifecycle::kBackoff:
      index(ColumnFamily::kJobBackoff, KeyOf(job.recurring_time, key));
      break;
    case JobLifecycle::kFailed: break;
  }
  fb::StoredJobT stored;
  stored.state = static_cast<uint8_t>(lifecycle);
  stored.value = std::make_unique<record::fb::JobRecordT>(std::move(job));
  jobs_.Put(key, std::move(stored));
}

void JobState::Remove(int64_t key) {
  if (const fb::StoredJobT* previous = Find(key); previous && previous->value) {
    Unindex(key, *previous);
  }
  jobs_.Remove(key);
}

void JobState::ForEachActivatable(std::string_view type,
                                  const std::function<bool(int64_t)>& visit) const {
  std::string prefix;
  AppendString(&prefix, type);
  access_->ForEachWithPrefix(ColumnFamily::kJobActivatable, prefix,
                             [&](std::string_view rest, std::string_view) {
                               KeyReader reader(rest);
                               int64_t key;
                               if (!reader.ReadInt64(&key)) return true;
                               return visit(key);
                             });
}

void JobState::ForEachDeadlineBefore(int64_t now, const std::function<bool(int64_t)>& visit) const {
  ForEachDueJob(*access_, ColumnFamily::kJobDeadlines, now, visit);
}

void JobState::ForEachBackoffBefore(int64_t now, const std::function<bool(int64_t)>& visit) const {
  ForEachDueJob(*access_, ColumnFamily::kJobBackoff, now, visit);
}

std::optional<int64_t> JobState::NextDueDate() const {
  std::optional<int64_t> deadline = EarliestTime(*access_, ColumnFamily::kJobDeadlines);
  std::optional<int64_t> backoff = EarliestTime(*access_, ColumnFamily::kJobBackoff);
  if (!deadline) return backoff;
  if (!backoff) return deadline;
  return std::min(*deadline, *backoff);
}

}  // namespace waggle::engine::state
