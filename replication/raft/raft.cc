#include "replication/raft/raft.h"

#include <algorithm>
#include <cassert>

#include "replication/raft/quorum.h"

namespace waggle::raft {

namespace {

uint64_t splitmix64(uint64_t* state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Messages a leader may send before its own state is durable: they carry
// only the log and term it already acts on (Raft thesis §10.2.1).
bool leader_may_send_early(MessageType type) {
  return type == MessageType::kAppend || type == MessageType::kHeartbeat ||
         type == MessageType::kSnapshot || type == MessageType::kTimeoutNow;
}

}  // namespace

Raft::Raft(const Config& config, const Storage* storage)
    : id_(config.id),
      config_(config),
      log_(storage, config.applied),
      // The id is mixed in so members sharing a seed still draw different
      // timeouts instead of splitting every vote.
      random_state_(config.random_seed ^ (config.id * 0xd1b54a32d192ed03ULL)) {
  assert(std::find(config.members.begin(), config.members.end(), id_) != config.members.end());
  const HardState hs = storage->hard_state();
  term_ = hs.term;
  vote_ = hs.vote;
  for (NodeId member : config.members) {
    progress_.emplace(member, Progress(log_.last_index() + 1, config.max_inflight));
  }
  for (const auto& [member, priority] : config.priorities) {
    max_priority_ = std::max(max_priority_, priority);
  }
  target_priority_ = max_priority_;
  become_follower(term_, kNoNode);
}

uint64_t Raft::next_random() {
  return splitmix64(&random_state_);
}

void Raft::reset_randomized_election_timeout() {
  const auto span = static_cast<uint64_t>(config_.election_ticks);
  randomized_election_timeout_ = config_.election_ticks + static_cast<int>(next_random() % span);
}

void Raft::reset(Term term) {
  if (term_ != term) {
    term_ = term;
    vote_ = kNoNode;
  }
  lead_ = kNoNode;
  election_elapsed_ = 0;
  heartbeat_elapsed_ = 0;
  reset_randomized_election_timeout();
  abort_transfer();
  votes_.clear();
  for (auto& [member, pr] : progress_) {
    pr = Progress(log_.last_index() + 1, config_.max_inflight);
    if (member == id_) pr.match = log_.persisted();
  }
}

void Raft::become_follower(Term term, NodeId lead) {
  reset(term);
  lead_ = lead;
  role_ = Role::kFollower;
}

void Raft::become_pre_candidate() {
  assert(role_ != Role::kLeader);
  // Neither term nor vote change: a pre-election must not disturb anyone.
  votes_.clear();
  lead_ = kNoNode;
  role_ = Role::kPreCandidate;
}

void Raft::become_candidate() {
  assert(role_ != Role::kLeader);
  reset(term_ + 1);
  vote_ = id_;
  role_ = Role::kCandidate;
}

void Raft::become_leader() {
  assert(role_ == Role::kCandidate);
  reset(term_);
  lead_ = id_;
  role_ = Role::kLeader;
  progress_.at(id_).become_replicate();
  // §5.4.2: entries of earlier terms commit only together with one of ours.
  Entry noop;
  noop.term = term_;
  noop.index = log_.last_index() + 1;
  noop.type = EntryType::kNoOp;
  log_.append({std::move(noop)});
  broadcast_append();
}

bool Raft::in_leader_lease() const {
  return config_.check_quorum && lead_ != kNoNode && election_elapsed_ < config_.election_ticks;
}

void Raft::heard_from_leader(NodeId leader) {
  election_elapsed_ = 0;
  lead_ = leader;
  target_priority_ = max_priority_;
  // A shortened timeout (report_unreachable) lasts only until a leader is heard.
  if (randomized_election_timeout_ < config_.election_ticks) reset_randomized_election_timeout();
}

Status Raft::step(const Message& m) {
  if (m.to != id_) return Status::InvalidArgument("message for another member");
  if (!is_member(m.from) || m.from == id_) {
    return Status::InvalidArgument("message from unknown member " + std::to_string(m.from));
  }
  if (step_term(m)) step_by_role(m);
  return Status::OK();
}

bool Raft::step_term(const Message& m) {
  const bool vote_request = m.type == MessageType::kVote || m.type == MessageType::kPreVote;
  if (m.term > term_) {
    if (vote_request && !m.force && in_leader_lease()) {
      // A member that heard from a leader recently does not help unseat it.
      return false;
    }
    const bool future_term_without_taking_it =
        m.type == MessageType::kPreVote || (m.type == MessageType::kPreVoteResponse && !m.reject);
    if (!future_term_without_taking_it) {
      const bool from_leader = m.type == MessageType::kAppend ||
                               m.type == MessageType::kHeartbeat ||
                               m.type == MessageType::kSnapshot;
      become_follower(m.term, from_leader ? m.from : kNoNode);
    }
    return true;
  }
  if (m.term < term_) {
    // Tell a stale sender our term so it catches up: a candidate learns it
    // cannot win, an old leader learns it was replaced.
    if (vote_request) {
      Message reply = reply_to(m, m.type == MessageType::kVote ? MessageType::kVoteResponse
                                                               : MessageType::kPreVoteResponse);
      reply.reject = true;
      send(std::move(reply));
    } else if (m.type == MessageType::kAppend || m.type == MessageType::kHeartbeat) {
      send(reply_to(m, MessageType::kAppendResponse));
    }
    return false;
  }
  return true;
}

void Raft::step_by_role(const Message& m) {
  switch (m.type) {
    case MessageType::kVote:
    case MessageType::kPreVote: return handle_vote_request(m);
    case MessageType::kVoteResponse:
    case MessageType::kPreVoteResponse: return handle_vote_response(m);
    case MessageType::kAppend:
    case MessageType::kHeartbeat:
    case MessageType::kSnapshot:
      if (role_ == Role::kLeader) return;  // another leader in our term cannot exist
      if (role_ != Role::kFollower) become_follower(term_, m.from);
      heard_from_leader(m.from);
      if (m.type == MessageType::kAppend) return handle_append(m);
      if (m.type == MessageType::kHeartbeat) return handle_heartbeat(m);
      return handle_snapshot(m);
    case MessageType::kAppendResponse:
    case MessageType::kHeartbeatResponse:
    case MessageType::kSnapshotResponse:
      if (role_ != Role::kLeader) return;
      progress_.at(m.from).recent_active = true;
      if (m.type == MessageType::kAppendResponse) return handle_append_response(m);
      if (m.type == MessageType::kHeartbeatResponse) return handle_heartbeat_response(m);
      return handle_snapshot_response(m);
    case MessageType::kTimeoutNow: return handle_timeout_now();
  }
}

void Raft::send(Message m) {
  m.from = id_;
  if (m.term == 0) m.term = term_;
  if (role_ == Role::kLeader && leader_may_send_early(m.type)) {
    messages_.push_back(std::move(m));
  } else {
    messages_after_persist_.push_back(std::move(m));
  }
}

Message Raft::reply_to(const Message& request, MessageType type) const {
  Message reply;
  reply.type = type;
  reply.to = request.from;
  return reply;
}

bool Raft::maybe_send_append(NodeId to, bool send_if_empty) {
  Progress& pr = progress_.at(to);
  if (pr.paused()) return false;
  const Index prev_index = pr.next - 1;
  Result<Term> prev_term = log_.term(prev_index);
  Message m;
  m.type = MessageType::kAppend;
  m.to = to;
  if (prev_term.ok() && pr.next <= log_.last_index()) {
    Status s = log_.slice(pr.next, log_.last_index() + 1, config_.max_append_bytes, &m.entries);
    if (!s.ok()) prev_term = s;
  }
  if (!prev_term.ok()) {
    // The entries the follower needs are compacted: it needs the snapshot.
    return start_snapshot(to);
  }
  if (m.entries.empty() && !send_if_empty) return false;
  m.index = prev_index;
  m.log_term = *prev_term;
  m.commit = log_.committed();
  const size_t count = m.entries.size();
  const Index last = count == 0 ? prev_index : m.entries.back().index;
  send(std::move(m));
  pr.sent_entries(count, last);
  return true;
}

void Raft::broadcast_append() {
  for (const auto& [member, pr] : progress_) {
    if (member != id_) maybe_send_append(member, true);
  }
}

bool Raft::maybe_commit() {
  std::vector<Index> matches;
  matches.reserve(progress_.size());
  for (const auto& [member, pr] : progress_) matches.push_back(pr.match);
  return log_.maybe_commit(quorum_committed_index(std::move(matches)), term_);
}

void Raft::on_persisted(Index index, Term term) {
  log_.stable_to(index, term);
  if (role_ != Role::kLeader) return;
  if (progress_.at(id_).maybe_update(log_.persisted()) && maybe_commit()) broadcast_append();
}

Result<Index> Raft::propose(std::vector<std::string> data) {
  if (role_ != Role::kLeader) return Status::NotLeader(lead_);
  if (transfer_target_ != kNoNode) return Status::Busy("leadership transfer in progress");
  if (data.empty()) return Status::InvalidArgument("nothing to propose");
  const Index first = log_.last_index() + 1;
  std::vector<Entry> entries(data.size());
  for (size_t i = 0; i < data.size(); ++i) {
    entries[i].term = term_;
    entries[i].index = first + i;
    entries[i].data = std::move(data[i]);
  }
  log_.append(std::move(entries));
  broadcast_append();
  return first;
}

void Raft::report_unreachable(NodeId to) {
  if (!is_member(to) || to == id_) return;
  if (role_ == Role::kLeader) {
    Progress& pr = progress_.at(to);
    if (pr.state == Progress::State::kReplicate) pr.become_probe();
    return;
  }
  if (role_ == Role::kFollower && to == lead_) {
    // The transport lost the leader, typically because its process died.
    // Waiting out a whole election timeout would only add to the outage:
    // forget the leader's lease, so that this member also grants other
    // members' pre-votes, and campaign after a short random delay. Safety is
    // untouched, and pre-vote keeps a leader in place that the others can
    // still reach; the next heartbeat restores the usual timeout.
    lead_ = kNoNode;
    election_elapsed_ = 0;
    randomized_election_timeout_ =
        1 + static_cast<int>(next_random() % static_cast<uint64_t>(config_.election_ticks));
  }
}

}  // namespace waggle::raft
