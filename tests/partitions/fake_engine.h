// FakeEngine: a deterministic stand-in for engine::Engine that makes the
// partition's duties observable. Every command is a JOB command whose job
// type says what to do:
//   "plain"      -> one JOB COMPLETED event (the answer, if someone waits)
//   "chain"      -> a COMPLETED event and a follow-up JOB COMPLETE command of
//                   type "plain", written unprocessed: the partition must
//                   process it when it reads it back
//   "send:P"     -> a COMPLETED event and a command for partition P
//   "timer:T"    -> a COMPLETED event, and a JOB TIME_OUT command due at T ms
//                   (returned by DueCommands until processed)
// The state counts events by source position, so processing a command twice
// in one state, or a replica missing an event, shows in the state digest.
#pragma once

#include <atomic>
#include <optional>
#include <string>

#include "common/record/intent.h"
#include "common/record/record_type.h"
#include "common/record/value_type.h"
#include "engine/state/state_store.h"
#include "partitions/partition_engine.h"

namespace waggle::partitions::testing {

inline record::fb::RecordT JobCommand(const std::string& type,
                                      record::JobIntent intent = record::JobIntent::kComplete) {
  record::fb::RecordT r;
  r.record_type = static_cast<uint8_t>(record::RecordType::kCommand);
  r.value_type = static_cast<uint8_t>(record::ValueType::kJob);
  r.intent = record::IntentCode(intent);
  record::fb::JobRecordT job;
  job.type = type;
  r.typed_value.Set(job);
  return r;
}

class FakeEngine final : public PartitionEngine {
 public:
  using ColumnFamily = engine::state::ColumnFamily;

  // `due_date_queries`, if set, counts NextDueDate calls.
  explicit FakeEngine(engine::state::StateStore* store,
                      std::atomic<int>* due_date_queries = nullptr)
      : store_(store), due_date_queries_(due_date_queries) {
    Result<int64_t> last = store_->LastProcessedPosition();
    last_processed_ = last.ok() ? *last : engine::state::kNoPosition;
    Result<std::string> timer = store_->Get(ColumnFamily::kTimers, "due");
    if (timer.ok()) timer_due_ = std::stoll(*timer);
  }

  Result<engine::ProcessingResult> ProcessCommand(const record::fb::Record& command,
                                                  int64_t position) override {
    const std::string type = command.typed_value_as_JobRecord()->type()->str();
    const flatbuffers::String* worker = command.typed_value_as_JobRecord()->worker();
    engine::state::Transaction txn = store_->BeginTransaction();
    engine::ProcessingResult result;
    result.records.push_back(
        {Event(command.intent() == record::IntentCode(record::JobIntent::kTimeOut)
                   ? record::JobIntent::kTimedOut
                   : record::JobIntent::kCompleted,
               type, worker ? worker->str() : ""),
         -1});
    ApplyEvent(txn, position, command.intent());
    if (type == "chain") {
      result.records.push_back({JobCommand("plain"), -1});
    } else if (type.rfind("send:", 0) == 0) {
      result.outgoing.push_back({std::stoi(type.substr(5)), JobCommand("plain")});
    } else if (type.rfind("timer:", 0) == 0) {
      timer_due_ = std::stoll(type.substr(6));
      txn.Put(ColumnFamily::kTimers, "due", std::to_string(*timer_due_));
      result.jobs_available.push_back("timer");
    }
    if (command.request_id() >= 0) {
      result.responses.push_back(
          {command.request_stream_id(), command.request_id(), result.records[0].record});
    }
    txn.SetLastProcessedPosition(position);
    if (Status s = txn.Commit(); !s.ok()) return s;
    last_processed_ = position;
    return result;
  }

  Status Replay(const record::fb::Record& record, int64_t) override {
    if (record.record_type() != static_cast<uint8_t>(record::RecordType::kEvent)) {
      return Status::OK();
    }
    engine::state::Transaction txn = store_->BeginTransaction();
    ApplyEvent(txn, record.source_record_position(), record.intent());
    const std::string type = record.typed_value_as_JobRecord()->type()->str();
    if (type.rfind("timer:", 0) == 0) {
      timer_due_ = std::stoll(type.substr(6));
      txn.Put(ColumnFamily::kTimers, "due", std::to_string(*timer_due_));
    }
    txn.SetLastProcessedPosition(record.source_record_position());
    if (Status s = txn.Commit(); !s.ok()) return s;
    last_processed_ = record.source_record_position();
    return Status::OK();
  }

  int64_t LastProcessedPosition() const override { return last_processed_; }
  std::optional<int64_t> NextDueDate() const override {
    if (due_date_queries_ != nullptr) (*due_date_queries_)++;
    return timer_due_;
  }

  std::vector<record::fb::RecordT> DueCommands(int64_t now, size_t limit) override {
    if (!timer_due_ || *timer_due_ > now || limit == 0) return {};
    return {JobCommand("fired", record::JobIntent::kTimeOut)};
  }

  std::vector<engine::PartitionCommand> PendingOutgoing() override { return {}; }

 private:
  // The event of a command: same job type and worker (tests tag commands by worker).
  static record::fb::RecordT Event(record::JobIntent intent, const std::string& type,
                                   const std::string& worker) {
    record::fb::RecordT r = JobCommand(type, intent);
    r.typed_value.AsJobRecord()->worker = worker;
    r.record_type = static_cast<uint8_t>(record::RecordType::kEvent);
    return r;
  }

  // One event per source position: a second one is counted as a duplicate.
  // A TIMED_OUT event clears the timer.
  void ApplyEvent(engine::state::Transaction& txn, int64_t source, uint8_t intent) {
    const std::string key = std::to_string(source);
    if (txn.Get(ColumnFamily::kDefault, key).ok()) {
      Result<std::string> dups = txn.Get(ColumnFamily::kDefault, "duplicates");
      txn.Put(ColumnFamily::kDefault, "duplicates", dups.ok() ? *dups + "x" : "x");
    }
    txn.Put(ColumnFamily::kDefault, key, "1");
    if (intent == record::IntentCode(record::JobIntent::kTimeOut) ||
        intent == record::IntentCode(record::JobIntent::kTimedOut)) {
      txn.Delete(ColumnFamily::kTimers, "due");
      timer_due_.reset();
    }
  }

  engine::state::StateStore* const store_;
  std::atomic<int>* const due_date_queries_;
  int64_t last_processed_;
  std::optional<int64_t> timer_due_;
};

inline EngineFactory FakeEngineFactory(std::atomic<int>* due_date_queries = nullptr) {
  return [due_date_queries](engine::state::StateStore* store,
                            int32_t) -> Result<std::unique_ptr<PartitionEngine>> {
    return std::unique_ptr<PartitionEngine>(new FakeEngine(store, due_date_queries));
  };
}

}  // namespace waggle::partitions::testing
