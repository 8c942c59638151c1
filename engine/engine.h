// The engine of one partition: BPMN processes as a deterministic state
// machine over the partition's log.
//
// The partition that hosts an Engine owns the log and the clock; the engine
// owns the state. On the leader, every committed command the partition reads
// goes to ProcessCommand, which validates it, changes the state and returns
// the records to append (events, rejections, follow-up commands), the answers
// to requests and the commands for other partitions. On a follower, and on a
// leader catching up after a restart or a role change, every committed record
// goes to Replay, which applies events only: both paths reach the same state.
//
// Determinism: nothing here reads a clock or a random source. A command's
// timestamp (set by the partition when it wrote the command) is "now" for
// its processing; due timers, job deadlines and message expiry become
// commands only when the partition asks (DueCommands) with its own now.
//
// Not thread-safe: one partition thread uses an Engine and its StateStore.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/record/record_generated.h"
#include "common/status.h"
#include "engine/state/state_store.h"

namespace waggle::engine {

struct EngineOptions {
  int32_t partition_id = 1;
  int32_t partition_count = 1;
  // Follow-up commands for this partition are processed in the same batch
  // as the command that caused them (one state transaction, one log append),
  // up to this many; the rest are appended unprocessed and processed when the
  // partition reads them back.
  int max_commands_in_batch = 100;
  // Written into every record the engine produces.
  std::string broker_version = "8.4.0";
};

// A record to append to the log, in batch order. The partition assigns
// positions when it appends the batch: record i gets first_position + i.
struct OutputRecord {
  record::fb::RecordT record;
  // The record whose processing produced this one: -1 for the command passed
  // to ProcessCommand, otherwise the index of a command earlier in this batch
  // (one processed in the batch). The partition sets source_record_position
  // from it.
  int32_t source_index = -1;
};

// The answer to a request (the request ids come from the command that
// carried it, or from state for a request answered later, such as a
// CreateProcessInstanceWithResult). Sent once the batch is committed.
struct Response {
  int32_t request_stream_id = -1;
  int64_t request_id = -1;
  record::fb::RecordT record;
};

// A command for another partition (deployment distribution, message
// correlation), sent by the partition once the batch is committed. Receivers
// accept duplicates idempotently, so the partition may retry freely.
struct PartitionCommand {
  int32_t partition_id = 0;
  record::fb::RecordT command;
};

struct ProcessingResult {
  std::vector<OutputRecord> records;
  std::vector<Response> responses;
  std::vector<PartitionCommand> outgoing;
  // Job types that have new activatable jobs (for long-polling gateways).
  std::vector<std::string> jobs_available;
};

class Engine {
 public:
  // Opens the engine over `store`, resuming from the state it holds.
  // REQUIRES: `store` outlives the engine and is used by nothing else.
  static Result<std::unique_ptr<Engine>> Open(state::StateStore* store,
                                              const EngineOptions& options);

  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;
  ~Engine();

  // Leader: processes the committed command at `position` and commits the
  // state it changes together with `position` as the last processed
  // position. A malformed or invalid command yields a rejection record, not
  // an error; an error means the state could not be read or written (the
  // partition must stop processing).
  // REQUIRES: command.record_type() is COMMAND, command.processed() is false,
  // position > LastProcessedPosition().
  Result<ProcessingResult> ProcessCommand(const record::fb::Record& command, int64_t position);

  // Any member: applies the committed record at `position` if it is an event
  // (commands and rejections change no state), and records the position of
  // its source command as processed.
  Status Replay(const record::fb::Record& record, int64_t position);
  // The same for several records in log order, in one state transaction
  // (cheaper: a follower replays a whole log entry at once).
  Status Replay(std::span<const record::fb::Record* const> records);

  // The position of the last command whose effects are in the state.
  int64_t LastProcessedPosition() const;

  // The earliest moment (milliseconds since the epoch) at which DueCommands
  // has something to return; nullopt when nothing is scheduled.
  std::optional<int64_t> NextDueDate() const;

  // Commands that are due at `now` (TIMER TRIGGER, JOB TIME_OUT, JOB
  // RECUR_AFTER_BACKOFF, MESSAGE EXPIRE), at most `limit`, for the leader to
  // append. Asking again before they are processed returns them again.
  std::vector<record::fb::RecordT> DueCommands(int64_t now, size_t limit);

  // Commands sent to other partitions that have not been acknowledged yet,
  // for the leader to send again (after a failover, or when one was lost).
  std::vector<PartitionCommand> PendingOutgoing();

 private:
  class Impl;
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace waggle::engine
