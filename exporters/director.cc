#include "exporters/director.h"

#include <algorithm>
#include <cstdint>

#include "common/record/codec.h"

namespace waggle::exporters {

// One exporter under the director, and the Controller it is given.
//
// Positions: `acknowledged` is what may be compacted and what survives
// failover; `exported` is the last record handed to Export; `handled` the
// last record exported or filtered out (handled >= exported). Records in
// (exported, handled] were all filtered out, so once the exporter has
// acknowledged everything it was handed, they are acknowledged with it.
class ExporterDirector::Slot : public Controller {
 public:
  Slot(ExporterDirector* director, LoadedExporter loaded, ExporterPosition start)
      : director_(director),
        id_(std::move(loaded.id)),
        filter_(std::move(loaded.filter)),
        exporter_(std::move(loaded.exporter)),
        acknowledged_(std::move(start)),
        exported_(acknowledged_.position),
        handled_(acknowledged_.position) {}

  void UpdateLastExportedPosition(int64_t position, std::optional<std::string> metadata) override {
    if (position <= acknowledged_.position || position > exported_) return;
    acknowledged_.position = position == exported_ ? handled_ : position;
    if (metadata) acknowledged_.metadata = std::move(metadata);
    advanced_ = true;
  }

  std::optional<std::string> ReadMetadata() const override { return acknowledged_.metadata; }

  ScheduledTask ScheduleTask(std::chrono::milliseconds delay, std::function<void()> task) override {
    auto cancelled = std::make_shared<bool>(false);
    director_->tasks_.emplace(std::make_pair(director_->now_ + delay, director_->next_task_seq_++),
                              Task{cancelled, std::move(task)});
    return ScheduledTask(cancelled);
  }

  // A record the filter rejected: handled, and acknowledged at once when
  // nothing exported awaits acknowledgement.
  void Skip(int64_t position) {
    handled_ = position;
    if (acknowledged_.position >= exported_) {
      acknowledged_.position = position;
      advanced_ = true;
    }
  }

  ExporterStatus Describe(int64_t commit_position) const {
    return ExporterStatus{
        .id = id_,
        .acknowledged = acknowledged_,
        .handled = handled_,
        .lag = std::max<int64_t>(0, commit_position - acknowledged_.position),
        .failed_attempts = failed_attempts_,
        .last_error = last_error_,
    };
  }

  ExporterDirector* const director_;
  const std::string id_;
  const RecordFilter filter_;
  const std::unique_ptr<Exporter> exporter_;
  ExporterPosition acknowledged_;
  int64_t exported_;
  int64_t handled_;
  bool open_ = false;
  bool advanced_ = false;  // acknowledged_ changed since last reported
  int failed_attempts_ = 0;
  Status last_error_;
  TimePoint retry_at_{0};
};

ExporterDirector::ExporterDirector(CommittedRecordSource* source, ExporterPositionStore* store,
                                   DirectorOptions options)
    : source_(source), store_(store), options_(options) {}

ExporterDirector::~ExporterDirector() {
  Close();
}

Status ExporterDirector::Open(std::vector<LoadedExporter> exporters,
                              const std::map<std::string, ExporterPosition>& positions,
                              TimePoint now) {
  Close();
  now_ = now;
  for (LoadedExporter& loaded : exporters) {
    auto it = positions.find(loaded.id);
    ExporterPosition start = it == positions.end() ? ExporterPosition{} : it->second;
    slots_.push_back(std::make_unique<Slot>(this, std::move(loaded), start));
  }
  for (auto& slot : slots_) {
    Status s = slot->exporter_->Open(slot.get());
    if (!s.ok()) {
      std::string message = "exporter '" + slot->id_ + "' failed to open: " + s.ToString();
      Close();
      return Status::Aborted(std::move(message));
    }
    slot->open_ = true;
  }
  return Status::OK();
}

void ExporterDirector::Close() {
  for (auto& [key, task] : tasks_) *task.cancelled = true;
  tasks_.clear();
  for (auto& slot : slots_) {
    if (slot->open_) slot->exporter_->Close();
  }
  // What the exporters flushed and acknowledged while closing.
  ReportAdvancedPositions();
  slots_.clear();
}

PollResult ExporterDirector::Poll(TimePoint now) {
  now_ = std::max(now_, now);
  RunDueTasks();
  PollResult result;
  for (auto& slot : slots_) {
    if (slot->retry_at_ > now_) continue;
    if (Deliver(*slot)) result.more = true;
  }
  ReportAdvancedPositions();
  for (auto& slot : slots_) {
    if (slot->failed_attempts_ > 0) {
      result.wake_up = std::min(result.wake_up.value_or(slot->retry_at_), slot->retry_at_);
    }
  }
  for (const auto& [key, task] : tasks_) {
    if (*task.cancelled) continue;
    result.wake_up = std::min(result.wake_up.value_or(key.first), key.first);
    break;
  }
  return result;
}

void ExporterDirector::RunDueTasks() {
  // Tasks scheduled by the tasks that run now wait for the next Poll, even
  // with no delay, so that a task rescheduling itself cannot spin here.
  const uint64_t first_new = next_task_seq_;
  for (auto it = tasks_.begin(); it != tasks_.end() && it->first.first <= now_;) {
    if (it->first.second >= first_new) {
      ++it;
      continue;
    }
    Task task = std::move(it->second);
    it = tasks_.erase(it);
    if (*task.cancelled) continue;
    task.run();
  }
}

bool ExporterDirector::Deliver(Slot& slot) {
  Status s = source_->ReadAfter(slot.handled_, options_.max_records_per_poll, &batch_);
  if (!s.ok()) {
    // Compacted means records this exporter never acknowledged are gone (the
    // compaction bound was not respected): report it, never skip past it.
    Fail(slot, std::move(s));
    return false;
  }
  for (const CommittedRecord& committed : batch_) {
    // FlatBuffers reads fields in place, so verify an 8-byte aligned view.
    std::optional<record::AlignedBytes> copy;
    std::string_view bytes = committed.bytes;
    if (reinterpret_cast<uintptr_t>(bytes.data()) % 8 != 0) bytes = copy.emplace(bytes).view();
    Result<const record::fb::Record*> record = record::VerifyRecord(bytes);
    if (!record.ok()) {
      Fail(slot, Status::Corruption("record at position " + std::to_string(committed.position) +
                                    ": " + record.status().message()));
      return false;
    }
    if (!slot.filter_.Accepts(**record)) {
      slot.Skip(committed.position);
      continue;
    }
    // The exporter may acknowledge the record during the call.
    const int64_t exported_before = slot.exported_, handled_before = slot.handled_;
    slot.exported_ = slot.handled_ = committed.position;
    Status exported = slot.exporter_->Export(**record);
    if (!exported.ok()) {
      slot.exported_ = exported_before;
      slot.handled_ = handled_before;
      Fail(slot, std::move(exported));
      return false;
    }
    slot.failed_attempts_ = 0;
    slot.last_error_ = Status::OK();
  }
  return batch_.size() >= options_.max_records_per_poll;
}

void ExporterDirector::Fail(Slot& slot, Status error) {
  // initial_backoff * 2^(failures - 1), capped; the shift is bounded so it
  // cannot overflow however long the failure lasts.
  int shift = std::min(slot.failed_attempts_, 20);
  ++slot.failed_attempts_;
  std::chrono::milliseconds backoff =
      std::min(options_.max_backoff, options_.initial_backoff * (int64_t{1} << shift));
  slot.retry_at_ = now_ + backoff;
  slot.last_error_ = std::move(error);
}

void ExporterDirector::ReportAdvancedPositions() {
  for (auto& slot : slots_) {
    if (!slot->advanced_) continue;
    slot->advanced_ = false;
    store_->PositionAdvanced(slot->id_, slot->acknowledged_);
  }
}

std::optional<int64_t> ExporterDirector::LowestPosition() const {
  std::optional<int64_t> lowest;
  for (const auto& slot : slots_) {
    lowest = std::min(lowest.value_or(slot->acknowledged_.position), slot->acknowledged_.position);
  }
  return lowest;
}

std::vector<ExporterStatus> ExporterDirector::Statuses() const {
  std::vector<ExporterStatus> statuses;
  int64_t commit_position = source_->CommitPosition();
  for (const auto& slot : slots_) statuses.push_back(slot->Describe(commit_position));
  return statuses;
}

}  // namespace waggle::exporters
