// Member: one simulated broker hosting one Raft member, with an honest model
// of what survives a crash.
//
// Disk model. Everything a Ready persists goes to the member's Journal as
// records and, at the same time, into the MemoryStorage the RawNode reads (the
// page cache: written, visible, not yet durable). Records become durable only
// at the journal's sync(), the "fsync" a Ready with must_sync asks for. That
// fsync may be delayed by some steps; until it completes the member does not
// send the Ready's messages_after_persist, does not apply, and does not call
// advance(), exactly as a real driver waiting on its disk. A crash keeps the
// synced records, maybe a seeded prefix of the unsynced ones that happened to
// reach the disk whole, and maybe one torn record after them. Recovery
// replays the journal, checks every record's checksum and cuts the tail at
// the first bad one, as the real journal does, so a torn write never
// surfaces.
//
// State machine. A running digest of the applied entries. It is volatile: at
// restart it is rebuilt from the durable snapshot and the durable log up to
// the durable commit index, and the node starts with Config.applied there.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "replication/raft/memory_storage.h"
#include "replication/raft/raw_node.h"
#include "tests/sim/sim_rng.h"
#include "tests/sim/sim_trace.h"

namespace waggle::sim {

// One write to a journal. The checksum covers the payload, so recovery can
// tell a record torn by a crash from a whole one.
struct JournalRecord {
  enum class Kind : uint8_t {
    kInstallSnapshot,  // a snapshot received from the leader: replaces the log
    kEntries,          // appended entries, replacing the suffix they overlap
    kHardState,
    kLocalSnapshot,  // the state machine's own snapshot, then compaction to compact_to
  };
  Kind kind = Kind::kEntries;
  raft::Snapshot snapshot;
  std::vector<raft::Entry> entries;
  raft::HardState hard_state;
  raft::Index compact_to = 0;
  uint64_t checksum = 0;

  static JournalRecord install_snapshot(raft::Snapshot snapshot);
  static JournalRecord append(std::vector<raft::Entry> entries);
  static JournalRecord hard_state_of(raft::HardState hard_state);
  static JournalRecord local_snapshot(raft::Snapshot snapshot, raft::Index compact_to);

  uint64_t compute_checksum() const;
};

// Performs a record's write on a storage: the one definition of what each
// record means, used for the live log, for sync and for recovery alike.
Status apply_record(const JournalRecord& record, raft::MemoryStorage* storage);

class Journal {
 public:
  // Writes a record; it becomes durable at the next sync().
  void write(JournalRecord record);
  Status sync();
  bool has_unsynced() const { return synced_ < records_.size(); }

  // What is certain to survive a crash.
  const raft::MemoryStorage& durable() const { return durable_; }

  // Power loss. Unsynced records are lost, except a seeded prefix of them that
  // reached the disk whole and, if `tear`, one torn record after it.
  // `lose_synced_entries` breaks the contract on purpose: the last synced
  // entries record is lost too (only tests use it, to prove the checker can
  // see lost durable data).
  void crash(Rng* rng, bool tear, bool lose_synced_entries);

  // Replays the records, cutting the journal at the first one whose checksum
  // fails; afterwards durable() is everything recovered.
  Status recover();

 private:
  std::vector<JournalRecord> records_;
  size_t synced_ = 0;
  raft::MemoryStorage durable_;
};

// The replicated state machine: a running digest over the applied entries.
// Two members agree on their histories up to an index iff their digests
// there agree.
class StateMachine {
 public:
  raft::Index applied() const { return applied_; }
  uint64_t digest() const { return digest_; }

  // REQUIRES: entry.index == applied() + 1
  void apply(const raft::Entry& entry);

  // The snapshot image of the current state.
  std::shared_ptr<const std::string> image() const;
  // Resets to a snapshot's image. Errors: kCorruption when the image does not
  // parse or names another index than the snapshot's meta.
  Status restore(const raft::Snapshot& snapshot);

  static uint64_t next_digest(uint64_t digest, const raft::Entry& entry);

 private:
  raft::Index applied_ = 0;
  uint64_t digest_ = 0;
};

class Member;

// What a member tells the rest of the simulation while it works.
class MemberListener {
 public:
  virtual ~MemberListener() = default;
  virtual void send(raft::Message message) = 0;
  // Entries [lo, hi) were just written to member.log().
  virtual void on_written(const Member& member, raft::Index lo, raft::Index hi) = 0;
  // The member came back from a crash with member.log() as recovered.
  virtual void on_recovered(const Member& member) = 0;
  // The state machine was reset to a snapshot or, at restart, rebuilt from
  // scratch; `installed` tells the two apart.
  virtual void on_state_machine_reset(const Member& member, bool installed) = 0;
  // The state machine applied `entry`; `term` is the member's term then.
  virtual void on_applied(const Member& member, const raft::Entry& entry, raft::Term term) = 0;
  // Something broke a contract; the run fails.
  virtual void fail(std::string what) = 0;
};

// How this run's disks misbehave.
struct DiskFaults {
  double sync_delay = 0;             // probability that an fsync completes only later
  uint64_t max_sync_delay = 1;       // in steps
  bool tear = false;                 // a crash may leave a torn record behind
  bool lose_synced_entries = false;  // a broken disk, see Journal::crash
};

class Member {
 public:
  // `config` is the group's; id, applied and random_seed are set per start.
  Member(raft::NodeId id, raft::Config config, MemberListener* listener, Trace* trace);

  raft::NodeId id() const { return id_; }
  bool up() const { return node_ != nullptr; }
  // How many times the member has started.
  uint64_t incarnation() const { return incarnation_; }

  // Boots from whatever the journal recovers. REQUIRES: !up()
  void start(uint64_t random_seed);
  // Loses everything that is not durable. REQUIRES: up()
  void crash(Rng* rng, const DiskFaults& faults);

  // REQUIRES: up()
  raft::RawNode& node() { return *node_; }
  const raft::RawNode& node() const { return *node_; }
  // The log the node reads: everything written, synced or not. REQUIRES: up()
  const raft::MemoryStorage& log() const { return *log_; }
  const Journal& journal() const { return journal_; }
  const StateMachine& state_machine() const { return state_machine_; }

  // True while a Ready waits for its fsync.
  bool awaiting_sync() const { return pending_.has_value(); }
  // True when the log holds every entry the node knows of: nothing waits on
  // a disk and the node has no Ready. REQUIRES: up()
  bool settled() const { return !pending_ && !node_->has_ready(); }

  // Completes a delayed fsync if it is due, then handles Readys in ready.h
  // order until there are none or one waits on a delayed fsync.
  void drive(Rng* rng, uint64_t now, const DiskFaults& faults);

  // Snapshots the state machine and compacts the log, keeping `keep` entries
  // below the snapshot for followers that are only a little behind. Skipped
  // (returning false) while a Ready waits for its fsync or when nothing was
  // applied since the last snapshot. REQUIRES: up()
  bool take_snapshot(uint64_t keep);

 private:
  // Steps 1 and 2 of ready.h: send, then write (without syncing).
  void persist(raft::Ready* ready);
  // Writes a record to the live log and the journal.
  void write(JournalRecord record);
  // Steps 3 to 5, once the Ready's writes are durable.
  void complete(raft::Ready ready);
  void sync();
  void rebuild_state_machine();

  const raft::NodeId id_;
  raft::Config config_;
  MemberListener* const listener_;
  Trace* const trace_;

  uint64_t incarnation_ = 0;
  Journal journal_;
  StateMachine state_machine_;
  std::unique_ptr<raft::MemoryStorage> log_;
  std::unique_ptr<raft::RawNode> node_;  // destroyed before log_, which it reads

  struct PendingSync {
    raft::Ready ready;
    uint64_t due = 0;
  };
  std::optional<PendingSync> pending_;
};

}  // namespace waggle::sim
