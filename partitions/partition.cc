#include "partitions/partition.h"

#include <sys/statvfs.h>

#include <climits>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <limits>
#include <sstream>

#include "common/record/codec.h"
#include "common/record/record_type.h"
#include "engine/state/snapshot.h"
#include "engine/state/state_store.h"
#include "exporters/factory.h"
#include "partitions/log_batch.h"
#include "partitions/placement.h"

namespace waggle::partitions {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

// A request for the partition to append a command.
struct Partition::Request {
  record::fb::RecordT command;
  bool await_result = true;
  bool exempt = false;  // from backpressure: holds no limiter slot
  int64_t deadline = 0;
  int64_t started = 0;
  std::function<void(CommandAnswer)> done;
};

// A command for another partition, sent until accepted.
struct Partition::Outgoing {
  uint64_t epoch;
  int32_t partition_id;
  std::string command;
  int64_t next_attempt = 0;
  int64_t backoff_ms = 100;
};

namespace {

// Snapshot data: magic, the last record position whose effects the state
// holds, the last record position at the snapshot's log index, the length of
// the exporter positions (log_batch.h) that follow, then an engine/state
// snapshot file.
constexpr char kSnapshotMagic[8] = {'W', 'G', 'L', 'P', 'A', 'R', 'T', '2'};
constexpr size_t kSnapshotFixedHeader = sizeof(kSnapshotMagic) + 2 * sizeof(int64_t) + 4;
constexpr milliseconds kOutgoingResendInterval{10000};
constexpr int64_t kMaxOutgoingBackoffMs = 10000;
constexpr int64_t kExportersRetryMs = 1000;
// Engine::NextDueDate scans the state: while commands keep changing it, the
// answer is refreshed at most this often, so a due date that becomes earlier
// meanwhile fires up to this much late (Zeebe checks job time-outs once a
// second). An unchanged state keeps its answer, which is then exact.
constexpr int64_t kDueDateRefreshMs = 100;

struct SnapshotHeader {
  int64_t state_position = 0;
  int64_t log_position = 0;
  ExporterPositions exporters;
  size_t state_offset = 0;  // where the engine/state snapshot starts
};

std::string EncodeSnapshot(int64_t state_position, int64_t log_position,
                           const ExporterPositions& exporters, const std::string& state) {
  const std::string positions = EncodeExporterPositions(exporters);
  const auto length = static_cast<uint32_t>(positions.size());
  std::string out(kSnapshotMagic, sizeof(kSnapshotMagic));
  out.append(reinterpret_cast<const char*>(&state_position), sizeof(state_position));
  out.append(reinterpret_cast<const char*>(&log_position), sizeof(log_position));
  out.append(reinterpret_cast<const char*>(&length), sizeof(length));
  out.append(positions);
  out.append(state);
  return out;
}

Result<SnapshotHeader> DecodeSnapshotHeader(const std::string& data) {
  if (data.size() < kSnapshotFixedHeader ||
      std::memcmp(data.data(), kSnapshotMagic, sizeof(kSnapshotMagic)) != 0) {
    return Status::Corruption("not a partition snapshot");
  }
  SnapshotHeader header;
  const char* at = data.data() + sizeof(kSnapshotMagic);
  uint32_t length = 0;
  std::memcpy(&header.state_position, at, sizeof(int64_t));
  std::memcpy(&header.log_position, at + sizeof(int64_t), sizeof(int64_t));
  std::memcpy(&length, at + 2 * sizeof(int64_t), sizeof(length));
  if (data.size() - kSnapshotFixedHeader < length) {
    return Status::Corruption("partition snapshot: exporter positions truncated");
  }
  Result<ExporterPositions> exporters =
      DecodeExporterPositions(std::string_view(data).substr(kSnapshotFixedHeader, length));
  if (!exporters.ok()) return exporters.status();
  header.exporters = std::move(*exporters);
  header.state_offset = kSnapshotFixedHeader + length;
  return header;
}

Status ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError("cannot read " + path);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  *out = buffer.str();
  return Status::OK();
}

Status WriteFile(const std::string& path, std::string_view data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  out.close();
  if (!out) return Status::IOError("cannot write " + path);
  return Status::OK();
}

CommandAnswer AnswerOf(CommandAnswer::Outcome outcome, std::string message,
                       raft::NodeId leader = raft::kNoNode) {
  CommandAnswer a;
  a.outcome = outcome;
  a.message = std::move(message);
  a.leader = leader;
  return a;
}

}  // namespace

Partition::Partition(PartitionOptions options, replication::MultiRaft* driver)
    : options_(std::move(options)), driver_(driver), limiter_(options_.aimd) {}

namespace {

// Positions only advance: an entry older than the state (replayed after a
// snapshot that already holds newer ones) changes nothing.
void MergePositions(ExporterPositions& into, const ExporterPositions& from) {
  for (const auto& [id, p] : from) {
    auto it = into.find(id);
    if (it == into.end() || it->second.position < p.position) into[id] = p;
  }
}

}  // namespace

Partition::~Partition() {
  Stop();
}

Status Partition::Open(replication::GroupOptions group) {
  group_ = group.id;
  self_ = group.raft.id;
  // The driver creates the journal directory. Committed entries after the
  // journal's snapshot are delivered from the driver's start on (Raft's
  // applied index starts at the snapshot).
  group.raft.applied = 0;
  group.listener = this;
  group.accepts_entries = [this] { return !refusing_entries_.load(std::memory_order_relaxed); };
  if (Status s = driver_->AddGroup(group); !s.ok()) return s;
  // The journal's snapshot is where the state starts from.
  Result<raft::Snapshot> snapshot = driver_->LatestSnapshot(group_);
  if (!snapshot.ok()) return snapshot.status();
  if (!snapshot->empty()) snapshot_ = {snapshot->meta.index, snapshot->data};
  Result<replication::GroupState> journal_state = driver_->State(group_);
  if (!journal_state.ok()) return journal_state.status();
  fresh_ = journal_state->term == 0 && journal_state->last_index == 0 && snapshot->empty();
  applied_index_ = snapshot_.index;
  if (Status s = Recover(); !s.ok()) return s;
  if (snapshot_.data) {
    Log("started from the snapshot at index " + std::to_string(snapshot_.index) + " (position " +
        std::to_string(state_position_) + "); the committed log after it follows");
  }
  last_request_id_ = Now() * 1000;  // request ids of an earlier run are never reused
  last_snapshot_time_ = Now();
  opened_at_ = Now();
  Publish();
  thread_.Start(options_.tick, [this] { Tick(); });
  return Status::OK();
}

void Partition::Stop() {
  thread_.Stop();
  if (exporters_) exporters_->Stop();
}

// ---------------------------------------------------------------------------
// Requests

void Partition::Execute(std::string command, bool await_result, milliseconds timeout,
                        std::function<void(CommandAnswer)> done) {
  Result<record::fb::RecordT> decoded = record::DecodeRecord(command);
  if (!decoded.ok()) {
    done(AnswerOf(CommandAnswer::Outcome::kInvalidCommand, decoded.status().message()));
    return;
  }
  if (decoded->record_type != static_cast<uint8_t>(record::RecordType::kCommand)) {
    done(AnswerOf(CommandAnswer::Outcome::kInvalidCommand,
                  "not a command (record_type " + std::to_string(decoded->record_type) + ")"));
    return;
  }
  record::AlignedBytes aligned(command);
  auto request = std::make_shared<Request>();
  request->exempt = IsExemptFromBackpressure(*record::fb::GetRecord(aligned.view().data()));
  request->command = std::move(*decoded);
  request->await_result = await_result;
  request->done = std::move(done);
  const milliseconds t = timeout.count() > 0 ? timeout : options_.request_timeout;
  if (!thread_.Post([this, request, t] {
        request->started = Now();
        request->deadline = request->started + t.count();
        Submit(request);
      })) {
    request->done(AnswerOf(CommandAnswer::Outcome::kNotLeader, "stopping"));
  }
}

void Partition::Submit(std::shared_ptr<Request> request) {
  if (failed_) {
    request->done(AnswerOf(CommandAnswer::Outcome::kNotLeader, "partition is unhealthy"));
    return;
  }
  if (role_ != raft::Role::kLeader) {
    request->done(AnswerOf(CommandAnswer::Outcome::kNotLeader, "not leader", leader_));
    return;
  }
  if (disk_full_) {
    request->done(AnswerOf(CommandAnswer::Outcome::kResourceExhausted,
                           "out of disk space: less than " +
                               std::to_string(options_.min_free_disk_bytes) + " bytes free"));
    return;
  }
  if (options_.backpressure && !request->exempt && !limiter_.TryAcquire()) {
    options_.observer->OnBackpressureRejected();
    request->done(AnswerOf(CommandAnswer::Outcome::kResourceExhausted,
                           "partition " + std::to_string(options_.partition_id) + " has " +
                               std::to_string(limiter_.inflight()) + " commands in flight"));
    return;
  }
  if (!options_.backpressure) request->exempt = true;
  if (!ready_) {
    waiting_.push_back(std::move(request));
    return;
  }
  Append(std::move(request));
}

void Partition::Append(std::shared_ptr<Request> request) {
  const int64_t id = ++last_request_id_;
  const int64_t position = next_position_++;
  record::fb::RecordT& command = request->command;
  command.position = position;
  command.source_record_position = -1;
  command.timestamp = Now();
  command.partition_id = options_.partition_id;
  command.processed = false;
  command.request_stream_id = request->await_result ? static_cast<int32_t>(self_) : -1;
  command.request_id = request->await_result ? id : -1;
  std::string entry = EncodeLogBatch(position, {record::EncodeRecord(command)});
  requests_[id] = std::move(request);
  driver_->Propose(group_, {std::move(entry)}, [this, id](const Status& s, raft::Index) {
    thread_.Post([this, id, s] { OnCommandWritten(id, s); });
  });
}

void Partition::OnCommandWritten(int64_t request_id, const Status& status) {
  auto it = requests_.find(request_id);
  if (it == requests_.end()) return;
  if (!status.ok()) {
    Answer(request_id, AnswerOf(CommandAnswer::Outcome::kTimeout,
                                "the command may or may not be written: " + status.ToString()));
  } else if (!it->second->await_result) {
    Answer(request_id, AnswerOf(CommandAnswer::Outcome::kAccepted, ""));
  }
}

void Partition::Answer(int64_t request_id, CommandAnswer answer) {
  auto it = requests_.find(request_id);
  if (it == requests_.end()) return;
  std::shared_ptr<Request> request = std::move(it->second);
  requests_.erase(it);
  if (!request->exempt) {
    limiter_.Release(milliseconds(Now() - request->started),
                     answer.outcome == CommandAnswer::Outcome::kTimeout);
  }
  request->done(std::move(answer));
}

// ---------------------------------------------------------------------------
// The log

void Partition::OnCommitted(replication::GroupId, const std::vector<raft::Entry>& entries) {
  thread_.Post([this, entries] { ApplyEntries(entries); });
}

void Partition::OnRoleChanged(replication::GroupId, const raft::SoftState& state, raft::Term term) {
  {
    // Published at once, not by the partition's thread: after a restart it
    // may replay a long log first, and the topology must not wait for that.
    std::lock_guard lock(status_mu_);
    status_.role = state.role;
    status_.leader = state.leader;
    status_.term = term;
  }
  thread_.Post([this, state, term] { ChangeRole(state, term); });
}

void Partition::OnSnapshotInstalled(replication::GroupId, const raft::Snapshot& snapshot) {
  thread_.Post([this, snapshot] { InstallSnapshot(snapshot); });
}

void Partition::ApplyEntries(const std::vector<raft::Entry>& entries) {
  for (const raft::Entry& e : entries) {
    if (failed_) return;
    if (e.index <= applied_index_) continue;
    applied_index_ = e.index;
    if (e.type == raft::EntryType::kNoOp) {
      // A leader's own no-op: every entry of earlier terms is applied.
      if (role_ == raft::Role::kLeader && e.term == term_ && !ready_) BecomeReady();
      continue;
    }
    if (IsExporterPositions(e.data)) {
      ApplyExporterPositions(e.index, e.data);
      continue;
    }
    Result<LogBatch> batch = DecodeLogBatch(e.data);
    if (!batch.ok()) {
      Fail(
          Status::Corruption("entry " + std::to_string(e.index) + ": " + batch.status().message()));
      return;
    }
    if (batch->first_position <= log_position_) {
      Fail(Status::Corruption("entry " + std::to_string(e.index) + " starts at position " +
                              std::to_string(batch->first_position) + ", not after " +
                              std::to_string(log_position_)));
      return;
    }
    for (size_t i = 0; i < batch->records.size() && !failed_; ++i) {
      ApplyRecord(batch->first_position + static_cast<int64_t>(i), batch->records[i]);
    }
    entry_positions_.emplace_back(e.index, batch->last_position());
  }
  if (commit_position_.load(std::memory_order_relaxed) != log_position_) {
    commit_position_.store(log_position_, std::memory_order_release);
    if (exporters_) exporters_->NotifyCommitted();
    if (options_.on_committed) options_.on_committed(options_.partition_id);
  }
  if (!snapshot_waiters_.empty() && state_position_ <= log_position_) {
    std::vector<std::function<void(Status)>> waiters;
    waiters.swap(snapshot_waiters_);
    Snapshot([waiters](Status s) {
      for (const auto& w : waiters) w(s);
    });
  }
  ProcessPending();
  Publish();
}

void Partition::ApplyExporterPositions(raft::Index index, std::string_view data) {
  Result<ExporterPositions> positions = DecodeExporterPositions(data);
  if (!positions.ok()) {
    Fail(
        Status::Corruption("entry " + std::to_string(index) + ": " + positions.status().message()));
    return;
  }
  MergePositions(exporter_positions_, *positions);
  for (const auto& [id, p] : *positions) {
    auto it = unreplicated_positions_.find(id);
    if (it != unreplicated_positions_.end() && it->second.position <= p.position) {
      unreplicated_positions_.erase(it);
    }
  }
}

void Partition::ApplyRecord(int64_t position, std::string_view bytes) {
  log_position_ = position;
  record::AlignedBytes aligned(bytes);
  Result<const record::fb::Record*> record = record::VerifyRecord(aligned.view());
  if (!record.ok()) {
    Fail(Status::Corruption("record at position " + std::to_string(position) + ": " +
                            record.status().message()));
    return;
  }
  if (position > state_position_) {
    if (Status s = engine_->Replay(**record, position); !s.ok()) {
      Fail(s);
      return;
    }
    state_position_ = position;
  }
  if ((*record)->record_type() == static_cast<uint8_t>(record::RecordType::kCommand) &&
      !(*record)->processed() && position > engine_->LastProcessedPosition()) {
    pending_.push_back({position, std::string(bytes)});
  }
  while (!pending_.empty() && pending_.front().position <= engine_->LastProcessedPosition()) {
    pending_.pop_front();
  }
}

// ---------------------------------------------------------------------------
// Roles

void Partition::ChangeRole(const raft::SoftState& state, raft::Term term) {
  const bool was_leader = role_ == raft::Role::kLeader;
  role_ = state.role;
  leader_ = state.leader;
  term_ = term;
  options_.observer->OnRoleChanged(state, term);
  if (was_leader && role_ != raft::Role::kLeader) StepDown();
  Log(leader_ == raft::kNoNode ? "no leader known"
                               : "leader is broker " + std::to_string(NodeIdOf(leader_)));
  Publish();
}

void Partition::BecomeReady() {
  ready_ = true;
  next_due_state_position_ = -1;
  next_position_ = log_position_ + 1;
  Log("processing from position " + std::to_string(next_position_) + ", last processed " +
      std::to_string(engine_->LastProcessedPosition()) + ", " + std::to_string(pending_.size()) +
      " command(s) to process");
  std::deque<std::shared_ptr<Request>> waiting;
  waiting.swap(waiting_);
  for (auto& r : waiting) Append(std::move(r));
  SendPendingOutgoing();
  StartExporters();
  ProcessPending();
}

// ---------------------------------------------------------------------------
// Exporters

void Partition::StartExporters() {
  if (options_.exporters.empty() || !ready_ || (exporters_ && exporters_->running())) return;
  last_exporters_attempt_ = Now();
  if (!exporters_)
    exporters_ = std::make_unique<PartitionExporters>(driver_, group_, &commit_position_);
  const ExporterLoader load =
      options_.load_exporter ? options_.load_exporter : exporters::LoadExporter;
  const uint64_t epoch = epoch_;
  Status s =
      exporters_->Start(options_.exporters, load, options_.partition_id, exporter_positions_,
                        [this, epoch](const std::string& id, const exporters::ExporterPosition& p) {
                          thread_.Post([this, epoch, id, p] {
                            if (epoch == epoch_) unreplicated_positions_[id] = p;
                          });
                        });
  if (!s.ok()) {
    Log("exporters not started (retrying every " + std::to_string(kExportersRetryMs) +
        " ms): " + s.ToString());
    return;
  }
  Log("exporting from positions " + [this] {
    std::string list;
    for (const exporters::ExporterConfig& c : options_.exporters) {
      auto it = exporter_positions_.find(c.id);
      list += (list.empty() ? "" : ", ") + c.id + "=" +
              std::to_string(it == exporter_positions_.end() ? -1 : it->second.position);
    }
    return list;
  }());
}

// One entry with the positions acknowledged since the last one, at most every
// exporter_positions_interval and one at a time: a lost acknowledgement only
// means records are exported again.
void Partition::ReplicateExporterPositions() {
  if (!ready_ || positions_in_flight_ || unreplicated_positions_.empty() ||
      Now() - last_positions_write_ < options_.exporter_positions_interval.count()) {
    return;
  }
  last_positions_write_ = Now();
  positions_in_flight_ = true;
  const uint64_t epoch = epoch_;
  driver_->Propose(group_, {EncodeExporterPositions(unreplicated_positions_)},
                   [this, epoch](const Status&, raft::Index) {
                     thread_.Post([this, epoch] {
                       if (epoch == epoch_) positions_in_flight_ = false;
                     });
                   });
}

void Partition::ReportStalledExporters() {
  if (!exporters_ || Now() - last_exporters_report_ < options_.exporter_report_interval.count()) {
    return;
  }
  last_exporters_report_ = Now();
  // The runner publishes statuses after each poll, so an exporter stuck in
  // Export shows a stale lag there: measure it against the committed log.
  for (const exporters::ExporterStatus& e : exporters_->Statuses()) {
    const int64_t position = e.acknowledged.position;
    const int64_t lag = log_position_ - std::max<int64_t>(position, 0);
    auto last = reported_positions_.find(e.id);
    const bool stuck = last != reported_positions_.end() && last->second == position;
    reported_positions_[e.id] = position;
    if (e.failed_attempts > 0) {
      Log("exporter " + e.id + " fails after position " + std::to_string(e.handled) + " (" +
          std::to_string(e.failed_attempts) + " attempts, lag " + std::to_string(lag) +
          "): " + e.last_error.ToString());
    } else if (stuck && lag > 0) {
      Log("exporter " + e.id + " stalled at position " + std::to_string(position) + ", lag " +
          std::to_string(lag));
    }
  }
}

int64_t Partition::LowestExporterPosition() const {
  int64_t lowest = std::numeric_limits<int64_t>::max();
  for (const exporters::ExporterConfig& c : options_.exporters) {
    auto it = exporter_positions_.find(c.id);
    lowest = std::min(lowest, it == exporter_positions_.end() ? -1 : it->second.position);
  }
  return lowest;
}

void Partition::StepDown() {
  ready_ = false;
  epoch_++;
  if (exporters_) exporters_->Stop();
  unreplicated_positions_.clear();
  positions_in_flight_ = false;
  retries_.clear();
  due_position_ = 0;
  for (auto& r : waiting_) {
    if (!r->exempt) limiter_.Release(milliseconds(0), false);
    r->done(AnswerOf(CommandAnswer::Outcome::kNotLeader, "leadership lost", leader_));
  }
  waiting_.clear();
  while (!requests_.empty()) {
    Answer(requests_.begin()->first,
           AnswerOf(CommandAnswer::Outcome::kTimeout,
                    "leadership lost: the command may or may not be processed"));
  }
  std::vector<std::function<void(Status)>> waiters;
  waiters.swap(snapshot_waiters_);
  for (const auto& w : waiters) w(Status::NotLeader(leader_));
  if (state_position_ > log_position_) {
    // The state holds effects of outputs that may never commit.
    Log("rebuilding state: it holds outputs up to position " + std::to_string(state_position_) +
        " beyond the committed position " + std::to_string(log_position_));
    if (Status s = Recover(); !s.ok()) Fail(s);
  }
}

void Partition::AdoptSnapshot(raft::Index index, std::shared_ptr<const std::string> data) {
  Result<SnapshotHeader> header = DecodeSnapshotHeader(*data);
  if (!header.ok()) {
    Fail(header.status());
    return;
  }
  snapshot_ = {index, std::move(data)};
  snapshot_log_position_ = header->log_position;
  while (!entry_positions_.empty() && entry_positions_.front().first <= index) {
    entry_positions_.pop_front();
  }
}

void Partition::InstallSnapshot(const raft::Snapshot& snapshot) {
  if (snapshot.meta.index <= snapshot_.index) return;
  AdoptSnapshot(snapshot.meta.index, snapshot.data);
  if (failed_ || snapshot.meta.index <= applied_index_) return;  // the state is already past it
  Log("installing the leader's snapshot at index " + std::to_string(snapshot.meta.index));
  applied_index_ = snapshot.meta.index;
  if (Status s = Recover(); !s.ok()) {
    Fail(s);
  } else {
    options_.observer->OnSnapshotInstalled();
  }
  Publish();
}

// Rebuilds the state from snapshot_ and the committed entries after it, up
// to applied_index_.
Status Partition::Recover() {
  engine_.reset();
  store_.reset();
  const std::string state_dir = options_.dir + "/state";
  std::error_code ec;
  fs::remove_all(state_dir, ec);
  fs::create_directories(options_.dir, ec);
  if (ec) return Status::IOError("cannot create " + options_.dir + ": " + ec.message());
  state_position_ = log_position_ = 0;
  exporter_positions_.clear();
  if (snapshot_.data) {
    const std::string& data = *snapshot_.data;
    Result<SnapshotHeader> header = DecodeSnapshotHeader(data);
    if (!header.ok()) return header.status();
    state_position_ = header->state_position;
    log_position_ = header->log_position;
    exporter_positions_ = std::move(header->exporters);
    const std::string file = options_.dir + "/restore.snapshot";
    Status s = WriteFile(file, std::string_view(data).substr(header->state_offset));
    if (s.ok()) s = engine::state::RestoreSnapshot(file, state_dir);
    fs::remove(file, ec);
    if (!s.ok()) return s;
  }
  snapshot_log_position_ = log_position_;
  engine::state::StateStoreOptions store_options;
  store_options.sync_writes = false;  // rebuilt from snapshot and log after a crash
  Result<std::unique_ptr<engine::state::StateStore>> store =
      engine::state::StateStore::Open(state_dir, store_options);
  if (!store.ok()) return store.status();
  store_ = std::move(*store);
  Result<std::unique_ptr<PartitionEngine>> engine =
      options_.engine_factory(store_.get(), options_.partition_id);
  if (!engine.ok()) return engine.status();
  engine_ = std::move(*engine);
  pending_.clear();
  entry_positions_.clear();

  const raft::Index target = applied_index_;
  applied_index_ = snapshot_.index;
  while (applied_index_ < target && !failed_) {
    std::vector<raft::Entry> entries;
    Status s = driver_->ReadCommitted(group_, applied_index_ + 1, 4 << 20, &entries);
    if (!s.ok()) return s;
    if (entries.size() > target - applied_index_) entries.resize(target - applied_index_);
    ApplyEntries(entries);
  }
  return failed_ ? Status::Corruption("replay failed") : Status::OK();
}

// ---------------------------------------------------------------------------
// Processing

void Partition::ProcessPending() {
  while (ready_ && !failed_ && snapshot_waiters_.empty() && !pending_.empty()) {
    PendingCommand command = std::move(pending_.front());
    pending_.pop_front();
    if (command.position <= engine_->LastProcessedPosition()) continue;
    record::AlignedBytes aligned(command.bytes);
    const record::fb::Record* record = record::fb::GetRecord(aligned.view().data());
    Result<engine::ProcessingResult> result = engine_->ProcessCommand(*record, command.position);
    if (!result.ok()) {
      Fail(result.status());
      return;
    }
    options_.observer->OnCommandProcessed(Now() - record->timestamp());
    auto shared = std::make_shared<engine::ProcessingResult>(std::move(*result));
    if (shared->records.empty()) {
      OnOutputCommitted(epoch_, Status::OK(), *shared);
      continue;
    }
    const int64_t first = next_position_;
    const int64_t now = Now();
    std::vector<std::string> encoded;
    encoded.reserve(shared->records.size());
    for (engine::OutputRecord& out : shared->records) {
      record::fb::RecordT& r = out.record;
      r.position = first + static_cast<int64_t>(encoded.size());
      r.source_record_position = out.source_index < 0 ? command.position : first + out.source_index;
      r.timestamp = now;
      r.partition_id = options_.partition_id;
      encoded.push_back(record::EncodeRecord(r));
    }
    next_position_ += static_cast<int64_t>(encoded.size());
    state_position_ = next_position_ - 1;  // the engine applied its own output
    const uint64_t epoch = epoch_;
    driver_->Propose(
        group_, {EncodeLogBatch(first, encoded)},
        [this, epoch, shared](const Status& s, raft::Index) {
          thread_.Post([this, epoch, shared, s] { OnOutputCommitted(epoch, s, *shared); });
        });
  }
}

void Partition::OnOutputCommitted(uint64_t epoch, const Status& status,
                                  const engine::ProcessingResult& result) {
  if (!status.ok()) {
    if (epoch == epoch_ && ready_) {
      // Still leading, yet an output is lost: the state is ahead of the log
      // and processing cannot continue; StepDown rebuilds the state.
      Log("output not committed while leading (" + status.ToString() + "): processing paused");
      ready_ = false;
      Publish();
    }
    return;
  }
  options_.observer->OnOutputCommitted(result);
  for (const engine::Response& response : result.responses) {
    if (response.request_stream_id != static_cast<int32_t>(self_)) continue;
    CommandAnswer answer;
    record::fb::RecordT r = response.record;
    r.partition_id = options_.partition_id;
    answer.record = record::EncodeRecord(r);
    Answer(response.request_id, std::move(answer));
  }
  if (epoch == epoch_) {
    for (const engine::PartitionCommand& c : result.outgoing) {
      Send(std::make_shared<Outgoing>(
          Outgoing{epoch_, c.partition_id, record::EncodeRecord(c.command)}));
    }
  }
  if (!result.jobs_available.empty() && options_.on_jobs_available) {
    options_.on_jobs_available(options_.partition_id, result.jobs_available);
  }
}

void Partition::Send(std::shared_ptr<Outgoing> outgoing) {
  if (!options_.send_command) return;
  options_.send_command(outgoing->partition_id, outgoing->command, [this, outgoing](Status s) {
    if (s.ok()) return;
    thread_.Post([this, outgoing] {
      if (outgoing->epoch != epoch_ || !ready_) return;
      outgoing->next_attempt = Now() + outgoing->backoff_ms;
      outgoing->backoff_ms = std::min(outgoing->backoff_ms * 2, kMaxOutgoingBackoffMs);
      retries_.push_back(outgoing);
    });
  });
}

void Partition::SendPendingOutgoing() {
  last_outgoing_resend_ = Now();
  for (const engine::PartitionCommand& c : engine_->PendingOutgoing()) {
    Send(std::make_shared<Outgoing>(
        Outgoing{epoch_, c.partition_id, record::EncodeRecord(c.command)}));
  }
}

void Partition::WriteDueCommands() {
  if (due_position_ > engine_->LastProcessedPosition()) return;  // the last ones are pending
  const int64_t now = Now();
  if (next_due_state_position_ != state_position_ &&
      (next_due_state_position_ < 0 || now - next_due_asked_at_ >= kDueDateRefreshMs)) {
    next_due_ = engine_->NextDueDate();
    next_due_state_position_ = state_position_;
    next_due_asked_at_ = now;
  }
  if (!next_due_ || *next_due_ > now) return;
  std::vector<record::fb::RecordT> commands = engine_->DueCommands(now, options_.max_due_commands);
  if (commands.empty()) {
    next_due_state_position_ = -1;  // the answer was stale: ask again
    return;
  }
  const int64_t first = next_position_;
  std::vector<std::string> encoded;
  for (record::fb::RecordT& c : commands) {
    c.position = first + static_cast<int64_t>(encoded.size());
    c.timestamp = now;
    c.partition_id = options_.partition_id;
    c.processed = false;
    encoded.push_back(record::EncodeRecord(c));
  }
  next_position_ += static_cast<int64_t>(encoded.size());
  due_position_ = next_position_ - 1;
  driver_->Propose(group_, {EncodeLogBatch(first, encoded)}, [](const Status&, raft::Index) {});
}

// ---------------------------------------------------------------------------
// Snapshots

void Partition::TakeSnapshot(std::function<void(Status)> done) {
  thread_.Post([this, done = std::move(done)] { Snapshot(done); });
}

void Partition::Snapshot(std::function<void(Status)> done) {
  if (failed_) {
    done(Status::Aborted("partition failed"));
    return;
  }
  last_snapshot_time_ = Now();
  if (state_position_ > log_position_) {
    // A leader's outputs are in flight: wait until they are committed.
    snapshot_waiters_.push_back(std::move(done));
    return;
  }
  const int64_t bound = std::min(engine_->LastProcessedPosition(), LowestExporterPosition());
  raft::Index index = applied_index_;
  int64_t log_position = log_position_;
  for (auto it = entry_positions_.begin(); it != entry_positions_.end(); ++it) {
    if (it->second > bound) {
      index = it->first - 1;
      log_position =
          it == entry_positions_.begin() ? snapshot_log_position_ : std::prev(it)->second;
      break;
    }
  }
  if (index <= snapshot_.index) {
    done(Status::OK());
    return;
  }
  const std::string file = options_.dir + "/export.snapshot";
  std::string state;
  Status s = engine::state::ExportSnapshot(*store_, file);
  if (s.ok()) s = ReadFile(file, &state);
  std::error_code ec;
  fs::remove(file, ec);
  if (!s.ok()) {
    done(s);
    return;
  }
  auto data = std::make_shared<const std::string>(
      EncodeSnapshot(state_position_, log_position, exporter_positions_, state));
  const int64_t started = last_snapshot_time_;
  driver_->Snapshot(group_, index, data, [this, index, data, done, started](const Status& s) {
    thread_.Post([this, index, data, done, started, s] {
      if (s.ok() && index > snapshot_.index) {
        AdoptSnapshot(index, data);
        options_.observer->OnSnapshotTaken(Now() - started);
        Log("snapshot at index " + std::to_string(index) + " (" + std::to_string(data->size()) +
            " bytes)");
        Publish();
      }
      done(s);
    });
  });
}

// ---------------------------------------------------------------------------
// Time

void Partition::Tick() {
  const int64_t now = Now();
  if (options_.min_free_disk_bytes > 0 || options_.min_free_replication_bytes > 0) {
    const int64_t free = FreeDiskBytes();
    const bool full = free < options_.min_free_disk_bytes;
    if (full != disk_full_) Log(full ? "out of disk space: refusing commands" : "disk space back");
    disk_full_ = full;
    const bool refuse = free < options_.min_free_replication_bytes;
    if (refuse != refusing_entries_.load(std::memory_order_relaxed)) {
      refusing_entries_.store(refuse, std::memory_order_relaxed);
      Log(refuse ? "out of disk space: not taking entries from the leader"
                 : "taking entries from the leader again");
    }
  }
  std::vector<int64_t> expired;
  for (const auto& [id, r] : requests_) {
    if (r->deadline <= now) expired.push_back(id);
  }
  for (int64_t id : expired) {
    Answer(id, AnswerOf(CommandAnswer::Outcome::kTimeout, "no answer within the timeout"));
  }
  if (failed_) return;
  if (fresh_ && options_.campaign_when_fresh_after.count() > 0 &&
      now - opened_at_ >= options_.campaign_when_fresh_after.count()) {
    fresh_ = false;
    if (leader_ == raft::kNoNode && term_ == 0) driver_->Campaign(group_);
  }
  if (ready_) {
    WriteDueCommands();
    std::vector<std::shared_ptr<Outgoing>> retries;
    retries.swap(retries_);
    for (auto& o : retries) {
      if (o->next_attempt <= now) {
        Send(o);
      } else {
        retries_.push_back(o);
      }
    }
    if (now - last_outgoing_resend_ >= kOutgoingResendInterval.count()) SendPendingOutgoing();
    if (now - last_exporters_attempt_ >= kExportersRetryMs) StartExporters();
    ReplicateExporterPositions();
    ReportStalledExporters();
  }
  if (now - last_snapshot_time_ >= options_.snapshot_period.count()) {
    Snapshot([this](Status s) {
      if (!s.ok()) Log("periodic snapshot failed: " + s.ToString());
    });
  }
  // The in-flight count changes without a commit (answers, time-outs).
  Publish();
  // Exporter statuses change on the runner's thread, not with commits: taken
  // here rather than in Publish, which runs for every applied batch.
  std::vector<exporters::ExporterStatus> exporter_statuses;
  if (exporters_) exporter_statuses = exporters_->Statuses();
  std::lock_guard lock(status_mu_);
  status_.exporters = std::move(exporter_statuses);
}

// ---------------------------------------------------------------------------

int64_t Partition::FreeDiskBytes() const {
  if (options_.free_disk_bytes) return options_.free_disk_bytes();
  struct statvfs fs {};
  if (::statvfs(options_.dir.c_str(), &fs) != 0) return INT64_MAX;  // unknown: do not refuse
  return static_cast<int64_t>(fs.f_bavail) * static_cast<int64_t>(fs.f_frsize);
}

void Partition::Fail(const Status& status) {
  failed_ = true;
  ready_ = false;
  Log("stopped: " + status.ToString());
  Publish();
}

void Partition::Publish() {
  std::lock_guard lock(status_mu_);
  status_.healthy = !failed_;
  status_.processing = ready_;
  status_.last_processed_position = engine_ ? engine_->LastProcessedPosition() : -1;
  status_.last_position = log_position_;
  status_.applied_index = applied_index_;
  status_.snapshot_index = snapshot_.index;
  status_.exporter_positions = exporter_positions_;
  status_.backlog = pending_.size();
  status_.backpressure_limit = limiter_.limit();
  status_.backpressure_inflight = limiter_.inflight();
}

PartitionStatus Partition::status() const {
  std::lock_guard lock(status_mu_);
  return status_;
}

Status Partition::WithStateStore(const std::function<Status(engine::state::StateStore&)>& fn) {
  auto promise = std::make_shared<std::promise<Status>>();
  std::future<Status> result = promise->get_future();
  if (!thread_.Post([this, fn, promise] {
        promise->set_value(store_ ? fn(*store_) : Status::Aborted("no state"));
      })) {
    return Status::Aborted("partition stopped");
  }
  return result.get();
}

Result<Partition::StateDigest> Partition::ReadStateDigest() {
  StateDigest out;
  Status s = WithStateStore([&](engine::state::StateStore& store) {
    Result<uint64_t> digest = engine::state::Digest(store);
    if (!digest.ok()) return digest.status();
    out = {applied_index_, state_position_, engine_->LastProcessedPosition(), *digest};
    return Status::OK();
  });
  if (!s.ok()) return s;
  return out;
}

void Partition::Log(const std::string& line) const {
  std::string full = "partition " + std::to_string(options_.partition_id) + " term " +
                     std::to_string(term_) + " " + raft::to_string(role_) + ": " + line;
  if (options_.log) {
    options_.log(full);
  } else {
    std::printf("%s\n", full.c_str());
    std::fflush(stdout);
  }
}

}  // namespace waggle::partitions
