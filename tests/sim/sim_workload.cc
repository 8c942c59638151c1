#include "tests/sim/sim_workload.h"

#include <cstdio>

namespace waggle::sim {

FaultPlan FaultPlan::from_seed(Rng* rng) {
  FaultPlan plan;
  plan.members = rng->chance(0.5) ? 3 : 5;
  plan.pre_vote = rng->chance(0.8);
  plan.check_quorum = rng->chance(0.8);
  plan.priorities = rng->chance(0.3);
  plan.max_append_bytes = rng->pick<size_t>({256, 1024, 32 * 1024});
  plan.max_inflight = rng->pick<size_t>({1, 2, 6});
  plan.max_snapshot_chunk_bytes = rng->pick<size_t>({7, 64, 1024 * 1024});

  plan.network.drop = rng->pick<double>({0, 0.01, 0.05, 0.2});
  plan.network.duplicate = rng->pick<double>({0, 0.02, 0.1});
  plan.network.reorder = rng->chance(0.7);
  plan.network.max_delay = rng->between(1, 6);

  plan.disk.sync_delay = rng->pick<double>({0, 0.2, 0.6});
  plan.disk.max_sync_delay = rng->between(1, 8);
  plan.disk.tear = rng->chance(0.5);

  plan.crash = rng->pick<double>({0, 0.002, 0.006});
  plan.max_downtime = rng->between(5, 200);
  plan.partition = rng->pick<double>({0, 0.003, 0.01});
  plan.max_partition_steps = rng->between(20, 300);
  plan.snapshot = rng->pick<double>({0, 0.005, 0.03});
  plan.snapshot_keep = rng->pick<uint64_t>({0, 2, 10});
  plan.transfer = rng->pick<double>({0, 0.002, 0.01});
  plan.campaign = rng->pick<double>({0, 0.001, 0.004});
  plan.propose = rng->pick<double>({0.02, 0.05, 0.15});
  plan.propose_to_follower = 0.02;

  plan.tick_interval = rng->between(3, 5);
  plan.tick_jitter = rng->between(0, 3);
  return plan;
}

FaultPlan FaultPlan::healed() const {
  FaultPlan plan = *this;
  plan.network.drop = 0;
  plan.disk.max_sync_delay = std::min<uint64_t>(plan.disk.max_sync_delay, 3);
  plan.crash = 0;
  plan.partition = 0;
  plan.transfer = 0;
  plan.campaign = 0;
  plan.tick_jitter = 0;
  return plan;
}

std::string FaultPlan::describe() const {
  auto percent = [](double p) {
    char text[16];
    std::snprintf(text, sizeof(text), "%.1f%%", p * 100);
    return std::string(text);
  };
  return std::to_string(members) + " members" + (pre_vote ? ", pre-vote" : "") +
         (check_quorum ? ", check-quorum" : "") + (priorities ? ", priorities" : "") + "; append " +
         std::to_string(max_append_bytes) + "B x" + std::to_string(max_inflight) +
         ", snapshot chunks " + std::to_string(max_snapshot_chunk_bytes) + "B; net drop " +
         percent(network.drop) + " dup " + percent(network.duplicate) + " delay 1.." +
         std::to_string(network.max_delay) + (network.reorder ? " reordered" : " fifo") +
         "; fsync delayed " + percent(disk.sync_delay) + " by 1.." +
         std::to_string(disk.max_sync_delay) + (disk.tear ? ", torn tails" : "") + "; crash " +
         percent(crash) + " down 1.." + std::to_string(max_downtime) + ", partition " +
         percent(partition) + " for 10.." + std::to_string(max_partition_steps) + ", snapshot " +
         percent(snapshot) + " keep " + std::to_string(snapshot_keep) + ", transfer " +
         percent(transfer) + ", campaign " + percent(campaign) + ", propose " + percent(propose) +
         "; tick every " + std::to_string(tick_interval) + "+0.." + std::to_string(tick_jitter);
}

raft::Config FaultPlan::group_config(Rng* rng) const {
  raft::Config config;
  for (raft::NodeId id = 1; id <= members; ++id) {
    config.members.push_back(id);
    if (priorities) config.priorities[id] = static_cast<int>(rng->between(1, 3));
  }
  config.pre_vote = pre_vote;
  config.check_quorum = check_quorum;
  config.max_append_bytes = max_append_bytes;
  config.max_inflight = max_inflight;
  config.max_snapshot_chunk_bytes = max_snapshot_chunk_bytes;
  return config;
}

Status Client::propose(Member* member, Rng* rng, size_t count, bool healthy) {
  std::vector<std::string> payloads;
  for (size_t i = 0; i < count; ++i) {
    std::string payload = "p" + std::to_string(next_id_++) + ":";
    const uint64_t filler = rng->below(40);
    for (uint64_t j = 0; j < filler; ++j) payload += static_cast<char>('a' + rng->below(26));
    payloads.push_back(std::move(payload));
  }
  Result<raft::Index> first = member->node().propose(payloads);
  if (!first.ok()) {
    trace_->event("client: member {} refused {} proposals: {}", member->id(), count,
                  first.status().ToString());
    return first.status();
  }
  trace_->event("client: member {} accepted {} proposals at {}", member->id(), count, *first);
  for (size_t i = 0; i < count; ++i) {
    const raft::Index index = *first + i;
    waiting_[member->id()][index] = accepted_.size();
    accepted_.push_back(Proposal{std::move(payloads[i]), index, member->id(), healthy, false});
  }
  return Status::OK();
}

void Client::on_applied(const Member& member, const raft::Entry& entry) {
  auto waiting = waiting_.find(member.id());
  if (waiting == waiting_.end()) return;
  auto it = waiting->second.find(entry.index);
  if (it == waiting->second.end()) return;
  Proposal& proposal = accepted_[it->second];
  waiting->second.erase(it);
  if (entry.data != proposal.payload) {
    trace_->event("client: proposal at {} to member {} was lost", proposal.index, member.id());
    return;
  }
  proposal.acknowledged = true;
  ++acknowledged_;
}

}  // namespace waggle::sim
