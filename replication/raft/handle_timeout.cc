// Time-driven events: election and heartbeat timeouts, check-quorum, and
// leadership transfer (kTimeoutNow).
#include <cassert>

#include "replication/raft/quorum.h"
#include "replication/raft/raft.h"

namespace waggle::raft {

void Raft::tick() {
  if (role_ == Role::kLeader) {
    tick_heartbeat();
  } else {
    tick_election();
  }
}

void Raft::tick_election() {
  ++election_elapsed_;
  if (election_elapsed_ < randomized_election_timeout_) return;
  election_elapsed_ = 0;
  if (!priority_allows_campaign()) return;
  campaign(config_.pre_vote ? CampaignKind::kPreElection : CampaignKind::kElection);
}

bool Raft::priority_allows_campaign() {
  if (config_.priorities.empty()) return true;
  const auto own = config_.priorities.find(id_);
  const int priority = own == config_.priorities.end() ? 0 : own->second;
  if (priority >= target_priority_) return true;
  // Nobody with a higher priority took over within a timeout: lower the bar
  // so that members of lower priority eventually may.
  --target_priority_;
  return false;
}

void Raft::tick_heartbeat() {
  ++heartbeat_elapsed_;
  ++election_elapsed_;
  if (election_elapsed_ >= config_.election_ticks) {
    election_elapsed_ = 0;
    if (config_.check_quorum && !quorum_active()) {
      become_follower(term_, kNoNode);
      return;
    }
    // The target did not take over within an election timeout.
    abort_transfer();
  }
  if (heartbeat_elapsed_ >= config_.heartbeat_ticks) {
    heartbeat_elapsed_ = 0;
    broadcast_heartbeat();
  }
}

bool Raft::quorum_active() {
  size_t active = 0;
  for (auto& [member, pr] : progress_) {
    if (member == id_ || pr.recent_active) ++active;
    if (member != id_) pr.recent_active = false;
  }
  return active >= quorum_size(progress_.size());
}

void Raft::campaign(CampaignKind kind) {
  if (role_ == Role::kLeader) return;
  MessageType request_type;
  Term request_term;
  if (kind == CampaignKind::kPreElection) {
    become_pre_candidate();
    request_type = MessageType::kPreVote;
    request_term = term_ + 1;
  } else {
    become_candidate();
    request_type = MessageType::kVote;
    request_term = term_;
  }
  votes_[id_] = true;
  if (tally_votes(progress_.size(), votes_) == VoteResult::kWon) {
    // A group of one.
    if (kind == CampaignKind::kPreElection) {
      campaign(CampaignKind::kElection);
    } else {
      become_leader();
    }
    return;
  }
  for (const auto& [member, pr] : progress_) {
    if (member == id_) continue;
    Message m;
    m.type = request_type;
    m.to = member;
    m.term = request_term;
    m.index = log_.last_index();
    m.log_term = log_.last_term();
    m.force = kind == CampaignKind::kForced;
    send(std::move(m));
  }
}

Status Raft::transfer_leadership(NodeId target) {
  if (role_ != Role::kLeader) return Status::NotLeader(lead_);
  if (!is_member(target)) {
    return Status::InvalidArgument("member " + std::to_string(target) + " is unknown");
  }
  if (target == id_ || target == transfer_target_) return Status::OK();
  transfer_target_ = target;
  // The transfer is abandoned one election timeout from now.
  election_elapsed_ = 0;
  if (progress_.at(target).match == log_.last_index()) {
    send_timeout_now(target);
  } else {
    maybe_send_append(target, true);
  }
  return Status::OK();
}

void Raft::send_timeout_now(NodeId to) {
  Message m;
  m.type = MessageType::kTimeoutNow;
  m.to = to;
  send(std::move(m));
}

void Raft::handle_timeout_now() {
  // The leader asked us to take over: no pre-vote, and members inside its
  // lease must answer.
  if (role_ != Role::kLeader) campaign(CampaignKind::kForced);
}

}  // namespace waggle::raft
