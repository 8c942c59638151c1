// ExporterDirector: drives a partition's exporters over its committed records
// on the partition's leader.
//
// Contract:
// - Each exporter receives every committed record after its acknowledged
//   position, in log order, each exporter at its own pace: one failing or slow
//   exporter does not hold back the others.
// - A failed export (or a record that cannot be read) is retried with
//   exponential back-off, capped (10 s by default), forever; no record is
//   skipped. Records a filter rejects count as handled.
// - Acknowledged positions go to an ExporterPositionStore so the broker can
//   make them survive failover; a new director opens with them. Delivery is
//   therefore at least once: records exported but not yet acknowledged (or
//   acknowledged but not yet replicated) are exported again after failover.
// - LowestPosition() is the bound log compaction must not pass.
//
// Time and I/O are injected: the host calls Poll(now) with its monotonic
// clock (when records commit, when the wake-up time Poll returned has come,
// and again at once while Poll reports more work), so the director is
// deterministic under test. Every call into the director, and so into the
// exporters, must come from one thread. Exporters may block in I/O (Redis),
// so that thread must not be the partition's processing thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "exporters/config.h"
#include "exporters/source.h"

namespace waggle::exporters {

// A time on the host's monotonic clock.
using TimePoint = std::chrono::milliseconds;

struct DirectorOptions {
  // Records handed to each exporter per Poll, so that Poll stays short.
  size_t max_records_per_poll = 1000;
  std::chrono::milliseconds initial_backoff{100};
  std::chrono::milliseconds max_backoff{10000};
};

// One exporter's progress, for metrics and logs.
struct ExporterStatus {
  std::string id;
  ExporterPosition acknowledged;
  int64_t handled = -1;     // last position exported or filtered out
  int64_t lag = 0;          // last committed position - acknowledged position
  int failed_attempts = 0;  // consecutive failures on the current record
  Status last_error;        // of the last failure, OK once a record succeeds
};

struct PollResult {
  // Some exporter has more committed records to take now: poll again at once.
  bool more = false;
  // When to poll again at the latest (a retry or a scheduled task is due),
  // besides when new records commit; nullopt when nothing is due.
  std::optional<TimePoint> wake_up;
};

class ExporterDirector {
 public:
  // `source` and `store` must outlive the director.
  ExporterDirector(CommittedRecordSource* source, ExporterPositionStore* store,
                   DirectorOptions options = {});
  ~ExporterDirector();  // closes the exporters if open

  ExporterDirector(const ExporterDirector&) = delete;
  ExporterDirector& operator=(const ExporterDirector&) = delete;

  // Opens each exporter to resume after its position in `positions` (by id;
  // -1 when absent, i.e. a new exporter starts at the log's start). On an
  // error the exporters opened so far are closed again and the director
  // stays closed; the host may retry with fresh exporters.
  Status Open(std::vector<LoadedExporter> exporters,
              const std::map<std::string, ExporterPosition>& positions, TimePoint now);

  // Runs the scheduled tasks that are due, then hands each exporter that is
  // not backing off the records committed after the ones it handled.
  PollResult Poll(TimePoint now);

  // Cancels tasks and closes every exporter, then reports the positions they
  // acknowledged while closing. Idempotent.
  void Close();

  // The lowest acknowledged position over all exporters: compaction must
  // keep every record above it. An exporter that acknowledged nothing pins
  // it at its starting position. nullopt when no exporter is configured.
  std::optional<int64_t> LowestPosition() const;

  std::vector<ExporterStatus> Statuses() const;

 private:
  class Slot;
  struct Task {
    std::shared_ptr<bool> cancelled;
    std::function<void()> run;
  };

  void RunDueTasks();
  // Hands `slot` up to max_records_per_poll records; true when it took a
  // full batch without failing (more may be waiting).
  bool Deliver(Slot& slot);
  void Fail(Slot& slot, Status error);
  void ReportAdvancedPositions();

  CommittedRecordSource* const source_;
  ExporterPositionStore* const store_;
  const DirectorOptions options_;
  std::vector<std::unique_ptr<Slot>> slots_;
  // Ordered by due time, then by scheduling order.
  std::map<std::pair<TimePoint, uint64_t>, Task> tasks_;
  uint64_t next_task_seq_ = 0;
  TimePoint now_{0};
  std::vector<CommittedRecord> batch_;  // reused across reads
};

}  // namespace waggle::exporters
