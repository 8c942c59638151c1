// RawNode: one member of one Raft group, as a pure state machine.
//
// No I/O, threads, clocks or global randomness: time enters through tick(),
// network input through step(), and every effect leaves through ready(). Two
// RawNodes fed the same inputs produce the same Readys, which is what lets the
// simulator replay a failure from its seed.
//
// Not thread-safe: one owner drives it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "replication/raft/config.h"
#include "replication/raft/ready.h"
#include "replication/raft/storage.h"

namespace waggle::raft {

class Raft;

// A read-only picture of a member, for tests, metrics and operators.
struct NodeStatus {
  NodeId id = kNoNode;
  Role role = Role::kFollower;
  NodeId leader = kNoNode;
  Term term = 0;
  Index commit = 0;
  Index applied = 0;
  Index last_index = 0;
  Index snapshot_index = 0;
  NodeId transfer_target = kNoNode;
  struct Follower {
    NodeId id = kNoNode;
    Index match = 0;
    Index next = 0;
    const char* state = "";
  };
  std::vector<Follower> followers;  // leader only
};

class RawNode {
 public:
  // REQUIRES: storage outlives the node; config.id is in config.members.
  RawNode(const Config& config, const Storage* storage);
  ~RawNode();
  RawNode(const RawNode&) = delete;
  RawNode& operator=(const RawNode&) = delete;

  // Advances logical time by one tick.
  void tick();

  // Handles a message from another member of the group. Messages for another
  // member, from unknown members, or with stale terms are dropped.
  Status step(const Message& message);

  // Appends entries to the leader's log. Returns the index of the first one;
  // they commit in order. Errors: kNotLeader (with a leader hint), kBusy
  // during a leadership transfer.
  Result<Index> propose(std::vector<std::string> data);

  // Starts an election now (skipping pre-vote and priorities).
  void campaign();

  // Asks the leader to hand leadership to `target` (Raft thesis §3.10): it
  // stops taking proposals, brings the target up to date and sends it
  // kTimeoutNow. Gives up after an election timeout.
  Status transfer_leadership(NodeId target);

  // The transport could not reach `to`. A leader falls back to probing it;
  // a follower whose leader it is stops honouring that leader's lease and
  // campaigns after a short random delay instead of a full election timeout.
  void report_unreachable(NodeId to);

  bool has_ready() const;
  // REQUIRES: the previous Ready was advanced.
  Ready ready();
  // Declares the last Ready handled (see ready.h).
  void advance();

  NodeStatus status() const;
  // The current term; cheaper than status() for callers on the hot path.
  Term term() const;

 private:
  std::unique_ptr<Raft> raft_;

  // What the world last saw, so a Ready reports only changes.
  SoftState prev_soft_state_;
  HardState prev_hard_state_;
  // What the last Ready handed out, so advance() knows what became durable
  // and applied. Zero: nothing of that kind.
  Index handed_last_index_ = 0;
  Term handed_last_term_ = 0;
  Index handed_snapshot_index_ = 0;
  Index handed_applied_index_ = 0;
};

}  // namespace waggle::raft
