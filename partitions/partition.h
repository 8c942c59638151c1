// Partition: one partition of the cluster as hosted by one broker: a member
// of the partition's Raft group, the engine over its state, and the clock.
//
// The log. Each committed entry is a LogBatch (log_batch.h): records with
// consecutive positions. A leader assigns positions continuing from the last
// position in its log, which it knows only once it has applied every entry
// before its own term's first (no-op) entry; so positions increase along the
// committed log and every member derives the same ones.
//
// Leader. Once ready (everything before its term applied, commands left
// unprocessed by the previous leader queued), it appends commands from
// requests, processes committed commands in log order (those marked
// `processed` were handled in the batch that wrote them), appends each
// command's output as one entry, and answers requests, sends commands to
// other partitions and reports new jobs only once that entry is committed.
// Processing runs ahead of commit: the state may hold the effects of outputs
// not yet committed. If leadership is lost then, the state is rebuilt from
// the latest snapshot and the committed log, so nothing uncommitted stays.
// Follower. Replays committed records: events change the state, commands
// are remembered until an event shows them processed.
// Either way a record whose position the state already covers is not applied
// again, which makes restore-then-replay exact.
//
// Snapshots (periodic and on demand) hold the state and the positions it
// covers. Their log index is the last entry before the first record above
// min(last processed position, lowest exporter position), so that the log
// kept after compaction still holds every command not yet processed and
// every record not yet exported. A leader pauses processing until its
// outputs are committed before it snapshots, so a snapshot never holds
// uncommitted effects. The engine's LevelDB is runtime state: at start it is
// rebuilt from the journal's snapshot and the log after it.
//
// Threads: every partition runs on a TaskThread of its own; the driver's
// callbacks and the public methods post to it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "exporters/config.h"
#include "partitions/backpressure.h"
#include "partitions/committed_log_reader.h"
#include "partitions/log_batch.h"
#include "partitions/partition_engine.h"
#include "partitions/partition_exporters.h"
#include "partitions/partition_observer.h"
#include "partitions/task_thread.h"
#include "replication/driver/group_listener.h"
#include "replication/driver/multi_raft.h"

namespace waggle::partitions {

// The answer to one ExecuteCommand, mirroring ExecuteCommandResponse.
struct CommandAnswer {
  enum class Outcome {
    kRecord,             // `record` is the encoded answer (event or rejection)
    kNotLeader,          // `leader` may name the member that leads (0: unknown)
    kResourceExhausted,  // backpressure
    kInvalidCommand,     // `message` says why
    kTimeout,            // accepted, outcome unknown
    kAccepted,           // committed; no record was awaited
  };
  Outcome outcome = Outcome::kRecord;
  std::string record;
  raft::NodeId leader = raft::kNoNode;
  std::string message;
};

// Delivers a command to another partition's leader; `done` (any thread)
// says whether it was accepted there. The partition retries until it is.
using SendCommand = std::function<void(int32_t partition_id, std::string command,
                                       std::function<void(Status)> done)>;

struct PartitionOptions {
  int32_t partition_id = 1;
  // Partition directory: the engine's runtime state lives in state/ below it.
  std::string dir;
  EngineFactory engine_factory;
  // Milliseconds since the epoch; the partition's only clock.
  std::function<int64_t()> clock;
  SendCommand send_command;
  // Records were committed (any role), for record streams.
  std::function<void(int32_t partition_id)> on_committed;
  // Job types with new activatable jobs, after the batch that made them committed.
  std::function<void(int32_t partition_id, const std::vector<std::string>& job_types)>
      on_jobs_available;
  // Exporters the leader runs (exporters/), each from the position its
  // acknowledgements reached; those positions are replicated every
  // `exporter_positions_interval` and bound log compaction. Loaded with
  // `load_exporter` (unset: exporters::LoadExporter).
  std::vector<exporters::ExporterConfig> exporters;
  ExporterLoader load_exporter;
  std::chrono::milliseconds exporter_positions_interval{1000};
  // How often a leader logs exporters that fail or make no progress while
  // records wait for them (their lag is in the metrics too).
  std::chrono::milliseconds exporter_report_interval{10000};
  // One line per event (role changes, snapshots, errors). Unset: stdout.
  std::function<void(const std::string&)> log;
  // Events for metrics; never null.
  std::shared_ptr<PartitionObserver> observer = std::make_shared<PartitionObserver>();

  // Disk watermarks: below `min_free_disk_bytes` free bytes the partition
  // refuses new commands (RESOURCE_EXHAUSTED, "out of disk space"); below
  // the lower `min_free_replication_bytes` it also stops taking entries and
  // snapshots from its leader (GroupOptions::accepts_entries), so that the
  // disk does not fill up; both until space returns. `free_disk_bytes`
  // measures it, checked every tick; unset: statvfs of dir. 0: no watermark.
  int64_t min_free_disk_bytes = 0;
  int64_t min_free_replication_bytes = 0;
  std::function<int64_t()> free_disk_bytes;

  // The partition's primary in a brand-new cluster campaigns this long after
  // Open instead of waiting out an election timeout, so a new cluster is
  // ready in about a second. Only when the journal had never seen a term (no
  // leader can exist yet that a forced campaign would depose); if the peers
  // are not up, the usual election timeouts take over. 0: never.
  std::chrono::milliseconds campaign_when_fresh_after{0};
  std::chrono::milliseconds snapshot_period{std::chrono::minutes(5)};
  std::chrono::milliseconds request_timeout{15000};  // when the request names none
  std::chrono::milliseconds tick{20};                // timers, retries, time-outs
  bool backpressure = true;
  AimdOptions aimd;
  size_t max_due_commands = 100;  // per batch of due timers and time-outs
};

// What others may read about the partition without going through its thread.
struct PartitionStatus {
  raft::Role role = raft::Role::kFollower;
  raft::NodeId leader = raft::kNoNode;
  raft::Term term = 0;
  bool healthy = true;
  bool processing = false;  // a ready leader
  int64_t last_processed_position = -1;
  int64_t last_position = 0;  // of the last applied record
  raft::Index applied_index = 0;
  raft::Index snapshot_index = 0;
  // Replicated acknowledged positions, by exporter id.
  ExporterPositions exporter_positions;
  // The exporters running on this member (its leader), as of the last publish.
  std::vector<exporters::ExporterStatus> exporters;
  size_t backlog = 0;  // committed commands not processed yet
  int backpressure_limit = 0;
  int backpressure_inflight = 0;
};

class Partition final : public replication::GroupListener {
 public:
  // REQUIRES: driver outlives the partition.
  Partition(PartitionOptions options, replication::MultiRaft* driver);
  ~Partition() override;
  Partition(const Partition&) = delete;
  Partition& operator=(const Partition&) = delete;

  // Rebuilds the state from the journal's snapshot (in group.dir), adds the
  // group to the driver with this partition as listener, and starts the
  // partition's thread. group.id, group.raft and group.dir must be set.
  // REQUIRES: the driver has not started.
  Status Open(replication::GroupOptions group);

  // Answers the requests still pending (timeout: their outcome is unknown)
  // and stops the thread; later requests are answered not-leader at once.
  // REQUIRES: the driver has stopped (its callbacks post to this thread).
  void Stop();

  // Appends `command` (an encoded record, verified here) if this member
  // leads and has room, and calls `done` once with the answer, on any thread.
  // timeout 0: PartitionOptions::request_timeout.
  void Execute(std::string command, bool await_result, std::chrono::milliseconds timeout,
               std::function<void(CommandAnswer)> done);

  // Takes a snapshot now (done may run on the partition or driver thread).
  void TakeSnapshot(std::function<void(Status)> done);

  PartitionStatus status() const;
  int32_t id() const { return options_.partition_id; }

  // A reader of the committed records of this member's log (any thread).
  // REQUIRES: Open succeeded; the reader does not outlive the partition.
  std::unique_ptr<CommittedLogReader> NewLogReader() const {
    return std::make_unique<CommittedLogReader>(driver_, group_, &commit_position_);
  }

  // Runs fn on the partition's thread with the engine's store and waits.
  // For tests and tools (state digests). Not for the partition thread itself.
  Status WithStateStore(const std::function<Status(engine::state::StateStore&)>& fn);

  // The state's digest (engine::state::Digest) with the positions it covers,
  // read together on the partition's thread: two members at the same
  // positions hold the same state exactly when their digests agree. Reads
  // the whole state, so for checks and tools, not for scraping.
  struct StateDigest {
    raft::Index applied_index = 0;
    int64_t position = 0;  // the last record whose effects the state holds
    int64_t processed_position = -1;
    uint64_t digest = 0;
  };
  Result<StateDigest> ReadStateDigest();

  // GroupListener (driver thread): posted to the partition's thread.
  void OnCommitted(replication::GroupId group, const std::vector<raft::Entry>& entries) override;
  void OnRoleChanged(replication::GroupId group, const raft::SoftState& state,
                     raft::Term term) override;
  void OnSnapshotInstalled(replication::GroupId group, const raft::Snapshot& snapshot) override;

 private:
  struct Request;
  struct PendingCommand {
    int64_t position;
    std::string bytes;
  };
  struct Outgoing;
  struct SnapshotImage {
    raft::Index index = 0;
    std::shared_ptr<const std::string> data;  // null: no snapshot yet
  };

  // All below run on the partition thread.
  void Submit(std::shared_ptr<Request> request);
  void Append(std::shared_ptr<Request> request);
  void OnCommandWritten(int64_t request_id, const Status& status);
  void Answer(int64_t request_id, CommandAnswer answer);
  void ApplyEntries(const std::vector<raft::Entry>& entries);
  void ApplyRecord(int64_t position, std::string_view bytes);
  void ApplyExporterPositions(raft::Index index, std::string_view data);
  void StartExporters();
  void ReplicateExporterPositions();
  void ReportStalledExporters();
  // The bound of log compaction set by the configured exporters.
  int64_t LowestExporterPosition() const;
  void ChangeRole(const raft::SoftState& state, raft::Term term);
  void BecomeReady();
  void StepDown();
  void InstallSnapshot(const raft::Snapshot& snapshot);
  // Makes `data` (at log index `index`) the snapshot to recover from.
  void AdoptSnapshot(raft::Index index, std::shared_ptr<const std::string> data);
  Status Recover();
  void ProcessPending();
  void OnOutputCommitted(uint64_t epoch, const Status& status,
                         const engine::ProcessingResult& result);
  void Send(std::shared_ptr<Outgoing> outgoing);
  void SendPendingOutgoing();
  void WriteDueCommands();
  void Snapshot(std::function<void(Status)> done);
  void Tick();
  int64_t FreeDiskBytes() const;
  void Fail(const Status& status);
  void Publish();
  void Log(const std::string& line) const;
  int64_t Now() const { return options_.clock(); }

  const PartitionOptions options_;
  replication::MultiRaft* const driver_;
  replication::GroupId group_ = 0;
  raft::NodeId self_ = raft::kNoNode;
  // Open found a journal that never saw a term; cleared once campaigned.
  bool fresh_ = false;
  int64_t opened_at_ = 0;

  // Partition thread only.
  std::unique_ptr<engine::state::StateStore> store_;
  std::unique_ptr<PartitionEngine> engine_;
  raft::Role role_ = raft::Role::kFollower;
  raft::NodeId leader_ = raft::kNoNode;
  raft::Term term_ = 0;
  bool ready_ = false;   // a leader that may append and process
  bool failed_ = false;  // the state could not be read or written: stopped
  bool disk_full_ = false;
  // Below the replication watermark: read by the driver's thread.
  std::atomic<bool> refusing_entries_{false};
  // Bumped at every step-down, so that callbacks of an earlier leadership
  // (retries, outputs) are recognised as stale.
  uint64_t epoch_ = 0;
  raft::Index applied_index_ = 0;
  int64_t log_position_ = 0;    // last record position in the applied entries
  int64_t state_position_ = 0;  // last record position whose effects are in the state
  int64_t next_position_ = 0;   // ready leader: the position of the next record it writes
  // Committed commands not processed yet, in log order.
  std::deque<PendingCommand> pending_;
  // (index, last position) of applied entries since the snapshot.
  std::deque<std::pair<raft::Index, int64_t>> entry_positions_;
  SnapshotImage snapshot_;
  int64_t snapshot_log_position_ = 0;  // last record position at snapshot_.index
  std::vector<std::function<void(Status)>> snapshot_waiters_;  // paused until outputs commit
  int64_t last_snapshot_time_ = 0;
  int64_t due_position_ = 0;  // last due command written; none again until processed
  // Ready leader: Engine::NextDueDate as last asked, at which state position
  // (-1: ask again) and when (WriteDueCommands).
  std::optional<int64_t> next_due_;
  int64_t next_due_state_position_ = -1;
  int64_t next_due_asked_at_ = 0;
  int64_t last_outgoing_resend_ = 0;
  int64_t last_request_id_ = 0;
  std::map<int64_t, std::shared_ptr<Request>> requests_;  // appended, not answered
  std::deque<std::shared_ptr<Request>> waiting_;          // until the leader is ready
  std::vector<std::shared_ptr<Outgoing>> retries_;
  AimdLimiter limiter_;
  // Exporter positions: replicated (applied from the log or a snapshot), and
  // acknowledged on this leader but not yet replicated.
  ExporterPositions exporter_positions_;
  ExporterPositions unreplicated_positions_;
  bool positions_in_flight_ = false;
  int64_t last_positions_write_ = 0;
  int64_t last_exporters_attempt_ = 0;
  int64_t last_exporters_report_ = 0;
  std::map<std::string, int64_t> reported_positions_;  // at the last report
  // Last committed record position, for the exporters' thread.
  std::atomic<int64_t> commit_position_{0};
  std::unique_ptr<PartitionExporters> exporters_;

  mutable std::mutex status_mu_;
  PartitionStatus status_;
  TaskThread thread_;  // last: stopped first, while everything it uses lives
};

}  // namespace waggle::partitions
