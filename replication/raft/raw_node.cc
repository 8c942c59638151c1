#include "replication/raft/raw_node.h"

#include "replication/raft/raft.h"

namespace waggle::raft {

RawNode::RawNode(const Config& config, const Storage* storage)
    : raft_(std::make_unique<Raft>(config, storage)),
      prev_soft_state_(raft_->soft_state()),
      prev_hard_state_(storage->hard_state()) {}

RawNode::~RawNode() = default;

void RawNode::tick() {
  raft_->tick();
}

Status RawNode::step(const Message& message) {
  return raft_->step(message);
}

Result<Index> RawNode::propose(std::vector<std::string> data) {
  return raft_->propose(std::move(data));
}

void RawNode::campaign() {
  raft_->campaign();
}

Status RawNode::transfer_leadership(NodeId target) {
  return raft_->transfer_leadership(target);
}

void RawNode::report_unreachable(NodeId to) {
  raft_->report_unreachable(to);
}

bool RawNode::has_ready() const {
  const RaftLog& log = raft_->log();
  return raft_->soft_state() != prev_soft_state_ || raft_->hard_state() != prev_hard_state_ ||
         log.has_entries_to_persist() || log.snapshot_to_persist() != nullptr ||
         log.has_entries_to_apply() || !raft_->messages().empty() ||
         !raft_->messages_after_persist().empty();
}

Ready RawNode::ready() {
  Ready rd;
  RaftLog& log = raft_->log();

  const SoftState soft = raft_->soft_state();
  if (soft != prev_soft_state_) rd.soft_state = soft;
  prev_soft_state_ = soft;

  const HardState hard = raft_->hard_state();
  if (hard != prev_hard_state_) rd.hard_state = hard;
  const bool vote_changed =
      hard.term != prev_hard_state_.term || hard.vote != prev_hard_state_.vote;
  prev_hard_state_ = hard;

  rd.entries = log.entries_to_persist();
  if (const Snapshot* snapshot = log.snapshot_to_persist()) rd.snapshot = *snapshot;
  rd.committed_entries = log.entries_to_apply(raft_->config().max_committed_bytes);
  rd.messages = std::move(raft_->messages());
  raft_->messages().clear();
  rd.messages_after_persist = std::move(raft_->messages_after_persist());
  raft_->messages_after_persist().clear();
  rd.must_sync = vote_changed || !rd.entries.empty() || !rd.snapshot.empty();

  handed_last_index_ = rd.entries.empty() ? 0 : rd.entries.back().index;
  handed_last_term_ = rd.entries.empty() ? 0 : rd.entries.back().term;
  handed_snapshot_index_ = rd.snapshot.meta.index;
  handed_applied_index_ = rd.committed_entries.empty() ? 0 : rd.committed_entries.back().index;
  log.accept_in_progress();
  if (handed_applied_index_ != 0) log.accept_applying(handed_applied_index_);
  return rd;
}

void RawNode::advance() {
  RaftLog& log = raft_->log();
  if (handed_snapshot_index_ != 0) {
    log.stable_snapshot_to(handed_snapshot_index_);
    log.applied_to(handed_snapshot_index_);
  }
  if (handed_last_index_ != 0) raft_->on_persisted(handed_last_index_, handed_last_term_);
  if (handed_applied_index_ != 0) log.applied_to(handed_applied_index_);
  handed_last_index_ = handed_last_term_ = handed_snapshot_index_ = handed_applied_index_ = 0;
}

Term RawNode::term() const {
  return raft_->term();
}

NodeStatus RawNode::status() const {
  const RaftLog& log = raft_->log();
  NodeStatus status;
  status.id = raft_->id();
  status.role = raft_->role();
  status.leader = raft_->leader();
  status.term = raft_->term();
  status.commit = log.committed();
  status.applied = log.applied();
  status.last_index = log.last_index();
  status.snapshot_index = log.snapshot().meta.index;
  status.transfer_target = raft_->transfer_target();
  if (raft_->role() == Role::kLeader) {
    for (const auto& [id, pr] : raft_->progress()) {
      if (id == raft_->id()) continue;
      status.followers.push_back({id, pr.match, pr.next, Progress::to_string(pr.state)});
    }
  }
  return status;
}

}  // namespace waggle::raft
