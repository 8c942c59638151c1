// MultiRaft: the Raft groups one broker hosts, driven by one thread.
//
// All groups share one event loop, so every kind of work is batched across
// groups: a single timer ticks them all, the messages of a round leave as one
// batch per peer, and each round makes every journal durable with one Sync
// (group commit), however many entries and groups took part.
//
// A round:
//   1. take the queued inputs (incoming messages, proposals, requests);
//   2. tick every group when the tick interval has passed;
//   3. collect each group's Ready; send the messages a leader may send at
//      once, then write entries and hard state to the journals;
//   4. sync each written journal once;
//   5. send the messages that had to wait for durability;
//   6. deliver committed entries and complete proposals; advance.
//
// Thread-safe: every public method may be called from any thread; none blocks
// on I/O except Start and Stop.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "replication/driver/group_listener.h"
#include "replication/driver/message_bus.h"
#include "replication/journal/journal.h"
#include "replication/raft/config.h"
#include "replication/raft/raw_node.h"

namespace waggle::replication {

struct GroupOptions {
  GroupId id = 0;
  // id and members must be set; raft.applied is the index the state machine
  // had applied before this start (0: replay the whole log).
  raft::Config raft;
  std::string dir;  // the group's journal directory
  journal::JournalOptions journal;
  GroupListener* listener = nullptr;  // REQUIRES: outlives the driver
  // If set, asked on the driver thread for every incoming append that carries
  // entries and every snapshot chunk; false drops the message unanswered, as
  // if it were lost, so the leader sends it again later. A state machine sets
  // it to stop taking entries while its disk is nearly full. It must be cheap
  // and never block.
  std::function<bool()> accepts_entries;
};

// One round's journal work for one group, for monitoring.
struct JournalIo {
  GroupId group = 0;
  size_t entries = 0;                  // appended in the round
  std::chrono::nanoseconds append{0};  // writing entries, hard state and snapshot (buffered)
  std::chrono::nanoseconds sync{0};    // making them durable
};

struct DriverOptions {
  raft::NodeId self = raft::kNoNode;
  // One tick of every group's logical clock; heartbeat and election timeouts
  // are counted in ticks (raft::Config).
  std::chrono::milliseconds tick_interval{50};
  // If set, called on the driver thread for every group that appended
  // entries or installed a snapshot in a round, after the round's syncs.
  // It runs between rounds of I/O, so it must be cheap and never block.
  std::function<void(const JournalIo&)> on_journal_io;
};

// What observers may read about a group without going through the loop.
struct GroupState {
  raft::Role role = raft::Role::kFollower;
  raft::NodeId leader = raft::kNoNode;
  raft::Term term = 0;
  raft::Index commit = 0;
  raft::Index applied = 0;
  raft::Index last_index = 0;
  raft::Index first_index = 0;
};

class MultiRaft {
 public:
  // Called once with the outcome of a proposal, on the driver thread:
  // OK with the index of the first entry once all entries committed;
  // kNotLeader (with a leader hint) when this member does not lead or lost
  // leadership before they committed (they may still commit later: callers
  // that retry must tolerate duplicates); kBusy during a leadership
  // transfer; kNotFound for an unknown group.
  using ProposeCallback = std::function<void(const Status& status, raft::Index first)>;

  // REQUIRES: bus outlives the driver.
  MultiRaft(DriverOptions options, MessageBus* bus);
  ~MultiRaft();
  MultiRaft(const MultiRaft&) = delete;
  MultiRaft& operator=(const MultiRaft&) = delete;

  // Opens the group's journal and creates its member.
  // REQUIRES: called before Start().
  Status AddGroup(GroupOptions options);

  Status Start();
  // Finishes the current round and joins the driver thread. Proposals still
  // pending complete with kAborted. Idempotent.
  void Stop();

  // Entry points for the transport.
  void Deliver(raft::NodeId from, std::vector<transport::GroupMessage>&& messages);
  void ReportUnreachable(raft::NodeId peer);

  void Propose(GroupId group, std::vector<std::string> data, ProposeCallback done);
  void Campaign(GroupId group);
  void TransferLeadership(GroupId group, raft::NodeId target);

  // The state machine captured its state up to `index` (which it has
  // applied): persist it as the group's snapshot and compact the log below.
  // done runs on the driver thread.
  void Snapshot(GroupId group, raft::Index index, std::shared_ptr<const std::string> data,
                std::function<void(const Status&)> done);

  // Reads committed entries [lo, ...] up to max_bytes (at least one entry if
  // any is committed at lo), for replay and exporters. Entries handed to
  // GroupListener::OnCommitted are readable from the moment it is called.
  // Errors: kCompacted below the snapshot, kUnavailable beyond the commit
  // index, kNotFound for an unknown group.
  Status ReadCommitted(GroupId group, raft::Index lo, size_t max_bytes,
                       std::vector<raft::Entry>* out) const;

  // The group's latest snapshot as its journal holds it (empty if none): what
  // a state machine starts from, without opening the journal a second time.
  Result<raft::Snapshot> LatestSnapshot(GroupId group) const;
  Result<GroupState> State(GroupId group) const;
  Result<journal::JournalUsage> JournalUsage(GroupId group) const;
  std::vector<GroupId> Groups() const;

  struct Stats {
    uint64_t rounds = 0;
    uint64_t syncs = 0;
    uint64_t entries_persisted = 0;
    uint64_t entries_committed = 0;
    uint64_t messages_sent = 0;
  };
  Stats stats() const;

 private:
  class Loop;
  std::unique_ptr<Loop> loop_;
};

}  // namespace waggle::replication
