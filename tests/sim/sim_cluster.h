// Cluster: one deterministic simulated run of a Raft group.
//
// A run has two phases. The chaotic phase lasts `steps` steps; in each,
// faults strike as the seed's FaultPlan says (crashes, partitions, forced
// elections, leadership transfers, snapshots), clients propose to whoever
// leads, members tick, messages arrive and every member works through its
// Readys. Then everything heals and the liveness phase must, within
// `liveness_steps`, elect a stable leader, commit every proposal accepted
// since the healing plus a final batch, and apply them on every member.
// Invariants (invariants.h) are checked after every step of both phases.
//
// Everything derives from the seed: there is no clock and no thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tests/sim/invariants.h"
#include "tests/sim/sim_member.h"
#include "tests/sim/sim_network.h"
#include "tests/sim/sim_rng.h"
#include "tests/sim/sim_trace.h"
#include "tests/sim/sim_workload.h"

namespace waggle::sim {

struct SimOptions {
  uint64_t seed = 1;
  uint64_t steps = 500;            // chaotic phase
  uint64_t liveness_steps = 3000;  // bound on the healed phase
  bool verbose = false;            // print every event
  // Tests only: disks lose their last synced entries in a crash, which the
  // checker must notice (see Journal::crash).
  bool broken_disks = false;
};

struct SimResult {
  bool passed = false;
  uint64_t step = 0;    // the step that failed, or the last one run
  std::string failure;  // the broken invariant
  uint64_t trace_hash = 0;
  std::string summary;  // what the run did, for verbose output
};

SimResult run_simulation(const SimOptions& options);

class Cluster : private MemberListener {
 public:
  explicit Cluster(const SimOptions& options);
  ~Cluster() override;

  SimResult run();

 private:
  // MemberListener
  void send(raft::Message message) override;
  void on_written(const Member& member, raft::Index lo, raft::Index hi) override;
  void on_recovered(const Member& member) override;
  void on_state_machine_reset(const Member& member, bool installed) override;
  void on_applied(const Member& member, const raft::Entry& entry, raft::Term term) override;
  void fail(std::string what) override;

  bool failed() const { return checker_.failed(); }
  Member& member(raft::NodeId id) { return *members_[id - 1]; }

  // One step: ticks, deliveries, Readys, then the invariants.
  void advance();
  void tick_members();
  void deliver_messages();

  // Chaotic phase: faults and proposals for this step.
  void inject_faults();
  void restart_due_members();
  void crash_one();
  void change_partition();
  void transfer_leadership();
  void force_campaign();
  void propose(bool healthy);

  // Liveness phase.
  void heal();
  // The leader every member is up and agrees on, or null.
  Member* stable_leader();
  // Whether every proposal that must commit (accepted after healing, or
  // acknowledged at any time) has been applied everywhere; fails the run if
  // one of them was replaced by another entry.
  bool all_applied();
  std::string describe_progress();

  std::vector<Member*> up_leaders();
  Member* random_up_member();

  const SimOptions options_;
  Rng rng_;
  Trace trace_;
  FaultPlan plan_;
  Network network_;
  InvariantChecker checker_;
  Client client_;
  std::vector<std::unique_ptr<Member>> members_;
  std::vector<uint64_t> next_tick_;   // per member
  std::vector<uint64_t> restart_at_;  // per member, while down
  uint64_t now_ = 0;
  uint64_t heal_at_ = 0;  // end of the current partition
  // Liveness: client_.accepted()[0, proposals_committed_) are known
  // committed, and every member must apply up to must_apply_.
  size_t proposals_committed_ = 0;
  raft::Index must_apply_ = 0;

  struct Counters {
    uint64_t crashes = 0;
    uint64_t partitions = 0;
    uint64_t transfers = 0;
    uint64_t campaigns = 0;
    uint64_t snapshots_taken = 0;
    uint64_t snapshots_installed = 0;
    uint64_t messages_delivered = 0;
  };
  Counters counters_;
};

}  // namespace waggle::sim
