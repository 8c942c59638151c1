#include "engine/engine.h"

#include <algorithm>
#include <unordered_map>

#include "common/record/codec.h"
#include "common/record/intent.h"
#include "common/record/key.h"
#include "engine/appliers/event_applier.h"
#include "engine/processing/messages.h"
#include "engine/processing/process_cache.h"
#include "engine/processing/processing_context.h"
#include "engine/processing/writers.h"
#include "engine/state/engine_state.h"

namespace waggle::engine {

using record::RecordType;
using record::fb::RecordT;
using state::ColumnFamily;

namespace {

// A command of this engine's making (due, or to send again).
template <typename Intent, typename Value>
RecordT MakeCommand(const EngineOptions& options, int64_t key, Intent intent, Value value,
                    int64_t timestamp) {
  RecordT command;
  command.key = key;
  command.timestamp = timestamp;
  command.partition_id = options.partition_id;
  command.record_type = static_cast<uint8_t>(RecordType::kCommand);
  command.intent = record::IntentCode(intent);
  command.broker_version = options.broker_version;
  command.typed_value.Set(std::move(value));
  command.value_type = static_cast<uint8_t>(record::ValueTypeOf(command.typed_value.type));
  return command;
}

std::optional<int64_t> Earliest(std::optional<int64_t> a, std::optional<int64_t> b) {
  if (!a) return b;
  if (!b) return a;
  return std::min(*a, *b);
}

// kKeyGenerator holds one entry: the counter of the last key handed out.
constexpr std::string_view kKeyCounterKey = "counter";

// More than any batch holds (max_commands_in_batch is 100 by default).
constexpr size_t kMaxBatchRoots = 4096;

Result<int64_t> ReadKeyCounter(state::StateStore* store) {
  Result<std::string> bytes = store->Get(ColumnFamily::kKeyGenerator, kKeyCounterKey);
  if (!bytes.ok()) {
    if (bytes.status().code() == Status::Code::kNotFound) return int64_t{0};
    return bytes.status();
  }
  state::KeyReader reader(*bytes);
  int64_t counter;
  if (!reader.ReadInt64(&counter) || counter < 0 || counter > record::kMaxKeyCounter) {
    return Status::Corruption("stored key generator counter is malformed");
  }
  return counter;
}

}  // namespace

class Engine::Impl {
 public:
  Impl(state::StateStore* store, const EngineOptions& options, int64_t key_counter,
       int64_t last_processed)
      : store_(store),
        options_(options),
        keys_(options.partition_id, key_counter),
        applier_(&processes_, &keys_),
        last_processed_(last_processed) {}

  Result<ProcessingResult> ProcessCommand(const record::fb::Record& command, int64_t position);
  Status Replay(std::span<const record::fb::Record* const> records);
  std::optional<int64_t> NextDueDate();
  std::vector<RecordT> DueCommands(int64_t now, size_t limit);
  std::vector<PartitionCommand> PendingOutgoing();
  int64_t last_processed() const { return last_processed_; }

 private:
  // Commits `state` (over `transaction`) with the key counter (when it
  // moved) and the last processed position; on failure restores what the
  // engine keeps in memory.
  Status Commit(state::EngineState& state, state::Transaction& transaction, const Status& error,
                int64_t counter_before, int64_t position);

  state::StateStore* store_;
  EngineOptions options_;
  ProcessCache processes_;
  record::KeyGenerator keys_;
  EventApplier applier_;
  int64_t last_processed_;
  state::RetainedValues retained_;
  // Replay: the command each processed-in-batch command was processed for
  // (by position), so that events of a batch count as processing the
  // command that started it, as on the leader. Bounded: batches are small.
  std::unordered_map<int64_t, int64_t> batch_roots_;
};

Status Engine::Impl::Commit(state::EngineState& state, state::Transaction& transaction,
                            const Status& error, int64_t counter_before, int64_t position) {
  Status status = error;
  if (status.ok()) {
    state.Flush();
    if (keys_.last_counter() != counter_before) {
      std::string counter;
      state::AppendInt64(&counter, keys_.last_counter());
      transaction.Put(ColumnFamily::kKeyGenerator, kKeyCounterKey, counter);
    }
    if (position > last_processed_) transaction.SetLastProcessedPosition(position);
    status = transaction.Commit();
  }
  if (!status.ok()) {
    transaction.Rollback();
    keys_ = record::KeyGenerator(options_.partition_id, counter_before);
    processes_.Clear();
    return status;
  }
  state.Retain();
  last_processed_ = std::max(last_processed_, position);
  return Status::OK();
}

Result<ProcessingResult> Engine::Impl::ProcessCommand(const record::fb::Record& command,
                                                      int64_t position) {
  RecordT unpacked;
  command.UnPackTo(&unpacked);
  state::Transaction transaction = store_->BeginTransaction();
  Status error;
  state::EngineState state(&transaction, &error, &retained_);
  ProcessingResult result;
  // A command's batch is usually a few dozen records: no moves while it grows.
  result.records.reserve(64);
  Writers writers(&applier_, &state, options_, unpacked.timestamp, &result);
  ProcessingContext context{state, processes_, keys_, options_, writers};
  const int64_t counter_before = keys_.last_counter();

  ProcessOneCommand(context, unpacked);
  int32_t index;
  while (error.ok() && writers.NextQueuedCommand(&index)) {
    writers.set_source_index(index);
    // A copy: processing appends to the vector the command lives in.
    RecordT queued = result.records[index].record;
    ProcessOneCommand(context, queued);
  }
  Status status = Commit(state, transaction, error, counter_before, position);
  if (!status.ok()) return status;
  return result;
}

Status Engine::Impl::Replay(std::span<const record::fb::Record* const> records) {
  state::Transaction transaction = store_->BeginTransaction();
  Status error;
  state::EngineState state(&transaction, &error, &retained_);
  const int64_t counter_before = keys_.last_counter();
  int64_t processed = last_processed_;
  for (const record::fb::Record* record : records) {
    // A record written by processing a command means that command is
    // processed; for a record written by a command processed in a batch,
    // that is the command the batch was processed for (the leader stores
    // that one's position).
    int64_t source = record->source_record_position();
    if (auto root = batch_roots_.find(source); root != batch_roots_.end()) source = root->second;
    processed = std::max(processed, source);
    if (record->record_type() != static_cast<uint8_t>(RecordType::kEvent)) {
      if (record->processed()) {
        if (batch_roots_.size() >= kMaxBatchRoots) batch_roots_.clear();
        batch_roots_[record->position()] = source;
      }
      continue;
    }
    RecordT unpacked;
    record->UnPackTo(&unpacked);
    applier_.Apply(state, unpacked);
  }
  return Commit(state, transaction, error, counter_before, processed);
}

std::optional<int64_t> Engine::Impl::NextDueDate() {
  state::Transaction transaction = store_->BeginTransaction();
  Status error;
  state::EngineState state(&transaction, &error);
  return Earliest(state.jobs.NextDueDate(),
                  Earliest(state.timers.NextDueDate(), state.messages.NextDeadline()));
}

std::vector<RecordT> Engine::Impl::DueCommands(int64_t now, size_t limit) {
  state::Transaction transaction = store_->BeginTransaction();
  Status error;
  state::EngineState state(&transaction, &error);
  std::vector<RecordT> commands;
  auto add = [&](int64_t job_key, record::JobIntent intent) {
    auto job = state.jobs.Get(job_key);
    if (!job || job->value == nullptr) return true;
    commands.push_back(
        MakeCommand(options_, job_key, intent, record::fb::JobRecordT(*job->value), now));
    return commands.size() < limit;
  };
  state.jobs.ForEachDeadlineBefore(
      now, [&](int64_t key) { return add(key, record::JobIntent::kTimeOut); });
  if (commands.size() < limit) {
    state.jobs.ForEachBackoffBefore(
        now, [&](int64_t key) { return add(key, record::JobIntent::kRecurAfterBackoff); });
  }
  if (commands.size() < limit) {
    state.timers.ForEachDueBefore(now, [&](int64_t element_instance_key, int64_t timer_key) {
      auto timer = state.timers.Get(element_instance_key, timer_key);
      if (!timer) return true;
      commands.push_back(
          MakeCommand(options_, timer_key, record::TimerIntent::kTrigger, std::move(*timer), now));
      return commands.size() < limit;
    });
  }
  if (commands.size() < limit) {
    state.messages.ForEachDeadlineBefore(now, [&](int64_t message_key) {
      auto message = state.messages.Get(message_key);
      if (!message) return true;
      commands.push_back(MakeCommand(options_, message_key, record::MessageIntent::kExpire,
                                     record::fb::MessageRecordT(*message->value), now));
      return commands.size() < limit;
    });
  }
  return commands;
}

std::vector<PartitionCommand> Engine::Impl::PendingOutgoing() {
  state::Transaction transaction = store_->BeginTransaction();
  Status error;
  state::EngineState state(&transaction, &error);
  std::vector<PartitionCommand> pending;
  state.access.Iterate(ColumnFamily::kCommandDistribution, state::KeyRange::All(),
                       [&](std::string_view key, std::string_view bytes) {
                         state::KeyReader reader(key);
                         int64_t distribution, partition;
                         if (!reader.ReadInt64(&distribution) || !reader.ReadInt64(&partition))
                           return true;
                         Result<RecordT> command = record::DecodeRecord(bytes);
                         if (!command.ok()) return true;
                         command->partition_id = static_cast<int32_t>(partition);
                         pending.push_back({static_cast<int32_t>(partition), std::move(*command)});
                         return true;
                       });
  // Message subscriptions: opening or closing ones the message partition
  // has not confirmed, correlations the instance partition has not.
  using record::ProcessMessageSubscriptionIntent;
  for (const auto& subscription : state.event_scopes.PendingSubscriptions()) {
    const auto intent =
        subscription.state == record::IntentCode(ProcessMessageSubscriptionIntent::kCreating)
            ? record::MessageSubscriptionIntent::kCreate
            : record::MessageSubscriptionIntent::kDelete;
    const int32_t partition = subscription.value->subscription_partition_id;
    RecordT command =
        MakeCommand(options_, -1, intent, ToMessageSubscription(*subscription.value), int64_t{-1});
    command.partition_id = partition;
    pending.push_back({partition, std::move(command)});
  }
  for (const auto& subscription : state.messages.CorrelatingSubscriptions()) {
    const int32_t partition = record::PartitionOf(subscription.value->process_instance_key);
    RecordT command = MakeCommand(
        options_, -1, ProcessMessageSubscriptionIntent::kCorrelate,
        ToProcessMessageSubscription(*subscription.value, options_.partition_id), int64_t{-1});
    command.partition_id = partition;
    pending.push_back({partition, std::move(command)});
  }
  return pending;
}

Result<std::unique_ptr<Engine>> Engine::Open(state::StateStore* store,
                                             const EngineOptions& options) {
  if (options.partition_id < 1 || options.partition_id > record::kMaxKeyPartitionId) {
    return Status::InvalidArgument("partition id must be in [1, " +
                                   std::to_string(record::kMaxKeyPartitionId) + "]");
  }
  if (options.partition_count < options.partition_id) {
    return Status::InvalidArgument("partition count must be at least the partition id");
  }
  Result<int64_t> counter = ReadKeyCounter(store);
  if (!counter.ok()) return counter.status();
  Result<int64_t> last_processed = store->LastProcessedPosition();
  if (!last_processed.ok()) return last_processed.status();
  return std::unique_ptr<Engine>(
      new Engine(std::make_unique<Impl>(store, options, *counter, *last_processed)));
}

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Engine::~Engine() = default;

Result<ProcessingResult> Engine::ProcessCommand(const record::fb::Record& command,
                                                int64_t position) {
  return impl_->ProcessCommand(command, position);
}

Status Engine::Replay(const record::fb::Record& record, int64_t /*position*/) {
  const record::fb::Record* one[] = {&record};
  return impl_->Replay(one);
}

Status Engine::Replay(std::span<const record::fb::Record* const> records) {
  return impl_->Replay(records);
}

int64_t Engine::LastProcessedPosition() const {
  return impl_->last_processed();
}

std::optional<int64_t> Engine::NextDueDate() const {
  return impl_->NextDueDate();
}

std::vector<RecordT> Engine::DueCommands(int64_t now, size_t limit) {
  return impl_->DueCommands(now, limit);
}

std::vector<PartitionCommand> Engine::PendingOutgoing() {
  return impl_->PendingOutgoing();
}

}  // namespace waggle::engine
