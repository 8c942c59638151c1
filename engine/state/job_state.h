// Jobs, with the indexes that find them: activatable jobs by type, activated
// jobs by deadline, failed jobs by the end of their retry back-off. Jobs are
// cached for the transaction (table_cache.h): Flush before it commits.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

#include "engine/state/state_access.h"
#include "engine/state/table_cache.h"

namespace waggle::engine::state {

enum class JobLifecycle : uint8_t {
  kActivatable = 0,  // waits for a worker
  kActivated = 1,    // a worker holds it until its deadline
  kFailed = 2,       // no retries left, or an error was thrown: an incident waits
  kBackoff = 3,      // failed with retries left; activatable after its back-off
};

// The element id of a JOB ERROR_THROWN event whose error no catch event
// caught (Zeebe's marker): the job stays, for its incident; a caught error
// removes it.
inline constexpr std::string_view kNoCatchEventFound = "NO_CATCH_EVENT_FOUND";

class JobState {
 public:
  using Retained = TableCache<fb::StoredJob>::Retained;

  // REQUIRES: `access` and `retained` (if not null) outlive this object.
  JobState(StateAccess* access, Retained* retained)
      : access_(access), jobs_(access, ColumnFamily::kJobs, retained) {}

  // Null when absent; valid until the job changes.
  const fb::StoredJobT* Find(int64_t key) const { return jobs_.Find(key); }
  // A copy.
  std::optional<fb::StoredJobT> Get(int64_t key) const;
  // Stores the job and moves it to the index its lifecycle calls for.
  void Put(int64_t key, JobLifecycle lifecycle, record::fb::JobRecordT job);
  void Remove(int64_t key);

  // Activatable jobs of `type` in key order; the visitor returns false to stop.
  void ForEachActivatable(std::string_view type,
                          const std::function<bool(int64_t key)>& visit) const;
  // Activated jobs whose deadline is <= now / failed jobs whose back-off
  // ends <= now, in time order.
  void ForEachDeadlineBefore(int64_t now, const std::function<bool(int64_t key)>& visit) const;
  void ForEachBackoffBefore(int64_t now, const std::function<bool(int64_t key)>& visit) const;
  // The earliest deadline or back-off end, if any.
  std::optional<int64_t> NextDueDate() const;

  // Writes the cached jobs into the transaction (table_cache.h).
  void Flush() { jobs_.Flush(); }
  void Retain(size_t max_retained) { jobs_.Retain(max_retained); }

 private:
  void Unindex(int64_t key, const fb::StoredJobT& stored);

  StateAccess* access_;
  TableCache<fb::StoredJob> jobs_;
};

}  // namespace waggle::engine::state
