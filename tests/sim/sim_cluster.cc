#include "tests/sim/sim_cluster.h"

#include <algorithm>
#include <set>

namespace waggle::sim {

using raft::NodeId;

namespace {

// Healed-phase workload: proposals for this many steps of stable
// leadership, then one final batch.
constexpr uint64_t kHealthyProposalSteps = 50;
constexpr size_t kFinalBatch = 5;
// Far more messages in flight than any sane group sends: a message storm.
constexpr size_t kMaxInFlight = 20000;

}  // namespace

SimResult run_simulation(const SimOptions& options) {
  return Cluster(options).run();
}

Cluster::Cluster(const SimOptions& options)
    : options_(options),
      rng_(options.seed),
      trace_(options.verbose),
      plan_(FaultPlan::from_seed(&rng_)),
      network_(&rng_, &trace_),
      checker_(plan_.members),
      client_(&trace_) {
  plan_.disk.lose_synced_entries = options_.broken_disks;
  network_.set_faults(plan_.network);
  const raft::Config config = plan_.group_config(&rng_);
  MemberListener* listener = this;
  for (NodeId id = 1; id <= plan_.members; ++id) {
    members_.push_back(std::make_unique<Member>(id, config, listener, &trace_));
  }
  next_tick_.assign(plan_.members, 0);
  restart_at_.assign(plan_.members, 0);
}

Cluster::~Cluster() = default;

SimResult Cluster::run() {
  trace_.event("seed {}: {}", options_.seed, plan_.describe());
  for (auto& member : members_) {
    member->start(rng_.next());
    next_tick_[member->id() - 1] = rng_.between(1, plan_.tick_interval);
  }
  while (!failed() && now_ < options_.steps) {
    trace_.set_step(++now_);
    inject_faults();
    propose(/*healthy=*/false);
    advance();
  }
  if (!failed()) {
    heal();
    const uint64_t deadline = now_ + options_.liveness_steps;
    uint64_t stable_steps = 0;
    bool final_batch_accepted = false;
    while (!failed()) {
      trace_.set_step(++now_);
      if (now_ > deadline) {
        fail("liveness: not done " + std::to_string(options_.liveness_steps) +
             " steps after healing: " + describe_progress());
        break;
      }
      if (Member* leader = stable_leader()) {
        if (stable_steps++ < kHealthyProposalSteps) {
          if (rng_.chance(plan_.propose)) client_.propose(leader, &rng_, 1, /*healthy=*/true);
        } else if (!final_batch_accepted) {
          final_batch_accepted = client_.propose(leader, &rng_, kFinalBatch, true).ok();
        }
      }
      advance();
      if (final_batch_accepted && all_applied()) break;
    }
  }
  SimResult result;
  result.passed = !failed();
  result.step = now_;
  result.failure = checker_.failure();
  result.trace_hash = trace_.hash();
  result.summary = std::to_string(checker_.leader_terms()) + " terms with a leader, " +
                   std::to_string(client_.accepted().size()) + " proposals accepted, " +
                   std::to_string(client_.acknowledged()) + " acknowledged, " +
                   std::to_string(checker_.committed_index()) + " entries committed; " +
                   std::to_string(counters_.crashes) + " crashes, " +
                   std::to_string(counters_.partitions) + " partitions, " +
                   std::to_string(counters_.transfers) + " transfers, " +
                   std::to_string(counters_.campaigns) + " forced campaigns, " +
                   std::to_string(counters_.snapshots_taken) + " snapshots taken, " +
                   std::to_string(counters_.snapshots_installed) + " installed, " +
                   std::to_string(counters_.messages_delivered) + " messages delivered";
  return result;
}

void Cluster::send(raft::Message message) {
  if (message.to < 1 || message.to > plan_.members || message.to == message.from) {
    return fail("member " + std::to_string(message.from) + " sent a " +
                raft::to_string(message.type) + " to member " + std::to_string(message.to));
  }
  network_.send(std::move(message), now_);
}

void Cluster::on_written(const Member& member, raft::Index lo, raft::Index hi) {
  checker_.on_written(member, lo, hi);
}

void Cluster::on_recovered(const Member& member) {
  checker_.on_recovered(member);
}

void Cluster::on_state_machine_reset(const Member& member, bool installed) {
  if (installed) ++counters_.snapshots_installed;
  checker_.on_state_machine_reset(member, installed);
}

void Cluster::on_applied(const Member& member, const raft::Entry& entry, raft::Term term) {
  checker_.on_applied(member, entry, term);
  client_.on_applied(member, entry);
}

void Cluster::fail(std::string what) {
  checker_.fail(std::move(what));
}

void Cluster::advance() {
  tick_members();
  deliver_messages();
  for (auto& member : members_) {
    if (member->up()) member->drive(&rng_, now_, plan_.disk);
  }
  if (network_.in_flight() > kMaxInFlight) {
    return fail("message storm: " + std::to_string(network_.in_flight()) + " messages in flight");
  }
  checker_.check_step(members_);
}

void Cluster::tick_members() {
  for (auto& member : members_) {
    uint64_t& next_tick = next_tick_[member->id() - 1];
    if (!member->up() || now_ < next_tick) continue;
    trace_.event("member {} ticks", member->id());
    member->node().tick();
    next_tick = now_ + plan_.tick_interval + rng_.below(plan_.tick_jitter + 1);
  }
}

void Cluster::deliver_messages() {
  Network::Delivery delivery = network_.deliver(now_);
  for (raft::Message& message : delivery.arrived) {
    Member& to = member(message.to);
    if (!to.up()) {
      delivery.unreachable.push_back(std::move(message));
      continue;
    }
    ++counters_.messages_delivered;
    trace_.event("deliver {} {}->{}: term {} log_term {} index {} commit {} entries {}{}{}{}",
                 raft::to_string(message.type), message.from, message.to, message.term,
                 message.log_term, message.index, message.commit, message.entries.size(),
                 message.reject ? " reject, hint " + std::to_string(message.reject_hint) : "",
                 message.force ? " forced" : "", message.done ? " done" : "");
    Status s = to.node().step(message);
    if (!s.ok()) trace_.event("member {} refused it: {}", message.to, s.ToString());
  }
  // A real transport notices some of the connections it cannot make.
  for (const raft::Message& message : delivery.unreachable) {
    Member& from = member(message.from);
    if (!from.up() || !rng_.chance(0.5)) continue;
    trace_.event("member {} reports {} unreachable", message.from, message.to);
    from.node().report_unreachable(message.to);
  }
}

void Cluster::inject_faults() {
  restart_due_members();
  if (rng_.chance(plan_.crash)) crash_one();
  change_partition();
  if (rng_.chance(plan_.transfer)) transfer_leadership();
  if (rng_.chance(plan_.campaign)) force_campaign();
  for (auto& member : members_) {
    if (member->up() && rng_.chance(plan_.snapshot) && member->take_snapshot(plan_.snapshot_keep)) {
      ++counters_.snapshots_taken;
    }
  }
}

void Cluster::restart_due_members() {
  for (auto& member : members_) {
    if (member->up() || restart_at_[member->id() - 1] > now_) continue;
    member->start(rng_.next());
    next_tick_[member->id() - 1] = now_ + plan_.tick_interval;
  }
}

void Cluster::crash_one() {
  Member* victim = random_up_member();
  if (victim == nullptr) return;
  ++counters_.crashes;
  client_.forget(victim->id());
  victim->crash(&rng_, plan_.disk);
  restart_at_[victim->id() - 1] = now_ + rng_.between(1, plan_.max_downtime);
}

void Cluster::change_partition() {
  if (network_.partitioned()) {
    if (now_ >= heal_at_) {
      network_.heal();
      trace_.event("partition healed");
    }
    return;
  }
  if (!rng_.chance(plan_.partition)) return;
  std::vector<NodeId> ids;
  for (NodeId id = 1; id <= plan_.members; ++id) ids.push_back(id);
  rng_.shuffle(&ids);
  std::set<NodeId> side;
  const std::vector<Member*> leaders = up_leaders();
  if (!leaders.empty() && rng_.chance(0.5)) {
    // A leader cut off in a minority: the majority must move on without it.
    const NodeId leader = rng_.pick(leaders)->id();
    side.insert(leader);
    const size_t others = rng_.below((plan_.members - 1) / 2);
    for (size_t i = 0; side.size() < others + 1; ++i) side.insert(ids[i]);
  } else {
    side.insert(ids.begin(), ids.begin() + static_cast<ptrdiff_t>(rng_.between(1, ids.size() - 1)));
  }
  std::string listed;
  for (NodeId id : side) listed += (listed.empty() ? "" : ",") + std::to_string(id);
  network_.partition(std::move(side));
  heal_at_ = now_ + rng_.between(10, plan_.max_partition_steps);
  ++counters_.partitions;
  trace_.event("partition: [{}] apart from the rest until step {}", listed, heal_at_);
}

void Cluster::transfer_leadership() {
  const std::vector<Member*> leaders = up_leaders();
  if (leaders.empty()) return;
  Member* leader = rng_.pick(leaders);
  const NodeId target = rng_.between(1, plan_.members);
  ++counters_.transfers;
  Status s = leader->node().transfer_leadership(target);
  trace_.event("member {} asked to hand leadership to {}: {}", leader->id(), target, s.ToString());
}

void Cluster::force_campaign() {
  Member* member = random_up_member();
  if (member == nullptr) return;
  ++counters_.campaigns;
  trace_.event("member {} campaigns", member->id());
  member->node().campaign();
}

void Cluster::propose(bool healthy) {
  if (!rng_.chance(plan_.propose)) return;
  const std::vector<Member*> leaders = up_leaders();
  if (leaders.empty() || rng_.chance(plan_.propose_to_follower)) {
    Member* member = random_up_member();
    if (member == nullptr || member->node().status().role == raft::Role::kLeader) return;
    if (client_.propose(member, &rng_, 1, healthy).ok()) {
      fail("member " + std::to_string(member->id()) + " accepted a proposal while not leading");
    }
    return;
  }
  client_.propose(rng_.pick(leaders), &rng_, rng_.between(1, 3), healthy);
}

void Cluster::heal() {
  plan_ = plan_.healed();
  network_.heal();
  network_.set_faults(plan_.network);
  trace_.event("everything heals");
  for (auto& member : members_) {
    if (member->up()) continue;
    member->start(rng_.next());
    next_tick_[member->id() - 1] = now_ + plan_.tick_interval;
  }
}

Member* Cluster::stable_leader() {
  std::vector<raft::NodeStatus> statuses;
  Member* leader = nullptr;
  for (auto& member : members_) {
    if (!member->up()) return nullptr;
    statuses.push_back(member->node().status());
    if (statuses.back().role != raft::Role::kLeader) continue;
    if (leader != nullptr) return nullptr;
    leader = member.get();
  }
  if (leader == nullptr) return nullptr;
  const raft::NodeStatus& leader_status = statuses[leader->id() - 1];
  for (const raft::NodeStatus& status : statuses) {
    if (status.leader != leader->id() || status.term != leader_status.term) return nullptr;
  }
  return leader;
}

bool Cluster::all_applied() {
  // Proposals found committed stay so; only the rest need looking at.
  const std::vector<Client::Proposal>& accepted = client_.accepted();
  for (; proposals_committed_ < accepted.size(); ++proposals_committed_) {
    const Client::Proposal& proposal = accepted[proposals_committed_];
    if (!proposal.healthy && !proposal.acknowledged) continue;
    if (proposal.index > checker_.committed_index()) return false;
    const raft::Entry& entry = checker_.committed(proposal.index);
    if (entry.data != proposal.payload) {
      fail("liveness: proposal '" + proposal.payload + "' accepted by member " +
           std::to_string(proposal.leader) + " at index " + std::to_string(proposal.index) +
           (proposal.acknowledged ? " and acknowledged" : " after healing") +
           " was lost: the index holds '" + entry.data + "'");
      return false;
    }
    must_apply_ = std::max(must_apply_, proposal.index);
  }
  return std::all_of(members_.begin(), members_.end(), [this](const auto& member) {
    return member->up() && member->state_machine().applied() >= must_apply_;
  });
}

std::string Cluster::describe_progress() {
  std::string text;
  for (auto& member : members_) {
    text += "member " + std::to_string(member->id());
    if (!member->up()) {
      text += " down; ";
      continue;
    }
    const raft::NodeStatus status = member->node().status();
    text += std::string(" ") + raft::to_string(status.role) + " of term " +
            std::to_string(status.term) + " (leader " + std::to_string(status.leader) +
            "), commit " + std::to_string(status.commit) + ", applied " +
            std::to_string(member->state_machine().applied()) + ", log to " +
            std::to_string(status.last_index) + (member->awaiting_sync() ? ", in fsync" : "") +
            "; ";
  }
  size_t waiting = 0;
  for (const Client::Proposal& proposal : client_.accepted()) {
    if (proposal.healthy && (proposal.index > checker_.committed_index())) ++waiting;
  }
  return text + std::to_string(waiting) + " healed-phase proposals not yet committed";
}

std::vector<Member*> Cluster::up_leaders() {
  std::vector<Member*> leaders;
  for (auto& member : members_) {
    if (member->up() && member->node().status().role == raft::Role::kLeader) {
      leaders.push_back(member.get());
    }
  }
  return leaders;
}

Member* Cluster::random_up_member() {
  std::vector<Member*> up;
  for (auto& member : members_) {
    if (member->up()) up.push_back(member.get());
  }
  return up.empty() ? nullptr : rng_.pick(up);
}

}  // namespace waggle::sim
