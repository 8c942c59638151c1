// What processing a command writes: events (applied to the state at once,
// so that the rest of the processing reads its own effects), rejections,
// follow-up commands, responses, commands for other partitions. Collected
// into one ProcessingResult for the whole batch.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <utility>

#include "common/record/intent.h"
#include "common/record/record_type.h"
#include "common/record/rejection_type.h"
#include "engine/engine.h"

namespace waggle::engine {

class EventApplier;
namespace state {
struct EngineState;
}

class Writers {
 public:
  // REQUIRES: every argument outlives the Writers.
  Writers(EventApplier* applier, state::EngineState* state, const EngineOptions& options,
          int64_t now, ProcessingResult* result);

  // Makes the command at `index` of the batch (-1: the command given to
  // ProcessCommand) the source of what is written next.
  void set_source_index(int32_t index) { source_index_ = index; }

  template <typename Intent, typename Value>
  void Event(int64_t key, Intent intent, Value value) {
    AppendEvent(key, record::IntentCode(intent), Union(std::move(value)));
  }

  // An event that keeps the request of `command` to answer later (its
  // applier stores the request ids, e.g. for CreateProcessInstanceWithResult).
  template <typename Intent, typename Value>
  void EventKeepingRequest(const record::fb::RecordT& command, int64_t key, Intent intent,
                           Value value) {
    AppendEvent(key, record::IntentCode(intent), Union(std::move(value)), command.request_stream_id,
                command.request_id);
  }

  // A command for this partition: processed later in this batch, or, once
  // the batch holds max_commands_in_batch commands, appended for the
  // partition to process when it reads it back.
  template <typename Intent, typename Value>
  void Command(int64_t key, Intent intent, Value value) {
    AppendCommand(key, record::IntentCode(intent), Union(std::move(value)));
  }

  // Rejects `command`, and answers its request if it carries one.
  void Rejection(const record::fb::RecordT& command, record::RejectionType type,
                 std::string reason);

  // Answers the request `command` carries (if any) with `record` (usually the
  // event just written), as Zeebe's response writer does.
  void RespondTo(const record::fb::RecordT& command, const record::fb::RecordT& record);
  void Respond(int32_t request_stream_id, int64_t request_id, record::fb::RecordT record);

  // The last record appended (to answer a request with it).
  const record::fb::RecordT& last() const { return result_->records.back().record; }
  const std::vector<OutputRecord>& records() const { return result_->records; }

  // A command for another partition, sent once the batch is committed.
  template <typename Intent, typename Value>
  void SendTo(int32_t partition_id, int64_t key, Intent intent, Value value) {
    SendCommand(partition_id, key, record::IntentCode(intent), Union(std::move(value)));
  }

  void JobsAvailable(const std::string& job_type);

  // Index of the next queued command to process in this batch, if any.
  bool NextQueuedCommand(int32_t* index);

  int64_t now() const { return now_; }

 private:
  template <typename Value>
  static record::fb::RecordValueUnion Union(Value value) {
    record::fb::RecordValueUnion u;
    u.Set(std::move(value));
    return u;
  }

  record::fb::RecordT NewRecord(int64_t key, record::RecordType type, uint8_t intent,
                                record::fb::RecordValueUnion value) const;
  void AppendEvent(int64_t key, uint8_t intent, record::fb::RecordValueUnion value,
                   int32_t request_stream_id = -1, int64_t request_id = -1);
  void AppendCommand(int64_t key, uint8_t intent, record::fb::RecordValueUnion value);
  void SendCommand(int32_t partition_id, int64_t key, uint8_t intent,
                   record::fb::RecordValueUnion value);

  EventApplier* applier_;
  state::EngineState* state_;
  const EngineOptions& options_;
  int64_t now_;
  ProcessingResult* result_;
  int32_t source_index_ = -1;
  int commands_in_batch_ = 0;
  std::deque<int32_t> queued_;
};

}  // namespace waggle::engine
