// The world a run lives in: the fault plan its seed picks, and the clients
// that propose to whoever leads.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "replication/raft/config.h"
#include "tests/sim/sim_member.h"
#include "tests/sim/sim_network.h"
#include "tests/sim/sim_rng.h"

namespace waggle::sim {

// Everything about a run that its seed decides up front: the group, the
// core's options, and how hostile the world is. Probabilities are per step.
struct FaultPlan {
  size_t members = 3;
  bool pre_vote = true;
  bool check_quorum = true;
  bool priorities = false;
  size_t max_append_bytes = 32 * 1024;
  size_t max_inflight = 6;
  size_t max_snapshot_chunk_bytes = 1024 * 1024;

  NetworkFaults network;
  DiskFaults disk;

  double crash = 0;
  uint64_t max_downtime = 1;
  double partition = 0;
  uint64_t max_partition_steps = 1;
  double snapshot = 0;
  uint64_t snapshot_keep = 0;  // entries kept below a snapshot
  double transfer = 0;
  double campaign = 0;
  double propose = 0;
  double propose_to_follower = 0;

  // Each member ticks every tick_interval steps, late by up to tick_jitter.
  uint64_t tick_interval = 4;
  uint64_t tick_jitter = 0;

  static FaultPlan from_seed(Rng* rng);
  // The same group in a calm world: no crashes, partitions, drops, forced
  // elections or transfers, and a steady clock.
  FaultPlan healed() const;
  std::string describe() const;
  // The configuration every member shares (id and applied set per member).
  raft::Config group_config(Rng* rng) const;
};

// The clients: they propose unique payloads and remember what each leader
// accepted and which of those it acknowledged, i.e. applied as committed.
class Client {
 public:
  struct Proposal {
    std::string payload;
    raft::Index index = 0;
    raft::NodeId leader = raft::kNoNode;
    bool healthy = false;  // accepted after the world healed
    bool acknowledged = false;
  };

  explicit Client(Trace* trace) : trace_(trace) {}

  // Proposes `count` fresh payloads to `member`. Returns the status of
  // RawNode::propose; accepted proposals are remembered.
  Status propose(Member* member, Rng* rng, size_t count, bool healthy);

  // Acknowledges a proposal when the member that accepted it applies it.
  void on_applied(const Member& member, const raft::Entry& entry);
  // A crashed member answers nobody.
  void forget(raft::NodeId member) { waiting_.erase(member); }

  const std::vector<Proposal>& accepted() const { return accepted_; }
  size_t acknowledged() const { return acknowledged_; }

 private:
  Trace* const trace_;
  uint64_t next_id_ = 1;
  std::vector<Proposal> accepted_;
  size_t acknowledged_ = 0;
  // member -> index -> position in accepted_, for proposals awaiting their apply.
  std::map<raft::NodeId, std::map<raft::Index, size_t>> waiting_;
};

}  // namespace waggle::sim
