#include "engine/processing/writers.h"

#include <algorithm>

#include "common/record/codec.h"
#include "engine/appliers/event_applier.h"

namespace waggle::engine {

using record::RecordType;
using record::fb::RecordT;

Writers::Writers(EventApplier* applier, state::EngineState* state, const EngineOptions& options,
                 int64_t now, ProcessingResult* result)
    : applier_(applier), state_(state), options_(options), now_(now), result_(result) {}

RecordT Writers::NewRecord(int64_t key, RecordType type, uint8_t intent,
                           record::fb::RecordValueUnion value) const {
  RecordT record;
  record.key = key;
  record.timestamp = now_;
  record.partition_id = options_.partition_id;
  record.record_type = static_cast<uint8_t>(type);
  record.value_type = static_cast<uint8_t>(record::ValueTypeOf(value.type));
  record.intent = intent;
  record.broker_version = options_.broker_version;
  record.typed_value = std::move(value);
  return record;
}

void Writers::AppendEvent(int64_t key, uint8_t intent, record::fb::RecordValueUnion value,
                          int32_t request_stream_id, int64_t request_id) {
  RecordT event = NewRecord(key, RecordType::kEvent, intent, std::move(value));
  event.request_stream_id = request_stream_id;
  event.request_id = request_id;
  applier_->Apply(*state_, event);
  result_->records.push_back({std::move(event), source_index_});
}

void Writers::AppendCommand(int64_t key, uint8_t intent, record::fb::RecordValueUnion value) {
  RecordT command = NewRecord(key, RecordType::kCommand, intent, std::move(value));
  const bool in_batch = commands_in_batch_ < options_.max_commands_in_batch;
  command.processed = in_batch;
  result_->records.push_back({std::move(command), source_index_});
  if (in_batch) {
    ++commands_in_batch_;
    queued_.push_back(static_cast<int32_t>(result_->records.size() - 1));
  }
}

void Writers::Rejection(const RecordT& command, record::RejectionType type, std::string reason) {
  RecordT rejection;
  rejection.key = command.key;
  rejection.timestamp = now_;
  rejection.partition_id = options_.partition_id;
  rejection.record_type = static_cast<uint8_t>(RecordType::kCommandRejection);
  rejection.value_type = command.value_type;
  rejection.intent = command.intent;
  rejection.rejection_type = static_cast<uint8_t>(type);
  rejection.rejection_reason = std::move(reason);
  rejection.broker_version = options_.broker_version;
  rejection.typed_value = command.typed_value;
  result_->records.push_back({rejection, source_index_});
  RespondTo(command, rejection);
}

void Writers::RespondTo(const RecordT& command, const RecordT& record) {
  if (command.request_id < 0) return;
  Respond(command.request_stream_id, command.request_id, record);
}

void Writers::Respond(int32_t request_stream_id, int64_t request_id, RecordT record) {
  result_->responses.push_back({request_stream_id, request_id, std::move(record)});
}

void Writers::SendCommand(int32_t partition_id, int64_t key, uint8_t intent,
                          record::fb::RecordValueUnion value) {
  RecordT command = NewRecord(key, RecordType::kCommand, intent, std::move(value));
  command.partition_id = partition_id;
  result_->outgoing.push_back({partition_id, std::move(command)});
}

void Writers::JobsAvailable(const std::string& job_type) {
  auto& types = result_->jobs_available;
  if (std::find(types.begin(), types.end(), job_type) == types.end()) types.push_back(job_type);
}

bool Writers::NextQueuedCommand(int32_t* index) {
  if (queued_.empty()) return false;
  *index = queued_.front();
  queued_.pop_front();
  return true;
}

}  // namespace waggle::engine
