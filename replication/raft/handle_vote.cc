// kVote / kPreVote requests (any role) and their responses (candidates).
#include "replication/raft/quorum.h"
#include "replication/raft/raft.h"

namespace waggle::raft {

void Raft::handle_vote_request(const Message& m) {
  const bool pre = m.type == MessageType::kPreVote;
  // One vote per term; a pre-vote binds nothing, so it may be granted for a
  // future term whatever we voted in this one.
  const bool can_vote =
      vote_ == m.from || (vote_ == kNoNode && lead_ == kNoNode) || (pre && m.term > term_);
  Message reply = reply_to(m, pre ? MessageType::kPreVoteResponse : MessageType::kVoteResponse);
  if (can_vote && log_.is_up_to_date(m.index, m.log_term)) {
    // A granted pre-vote answers at the requested term, so the pre-candidate
    // counts it without taking that term.
    reply.term = m.term;
    if (!pre) {
      election_elapsed_ = 0;
      vote_ = m.from;
    }
  } else {
    reply.reject = true;
  }
  send(std::move(reply));
}

void Raft::handle_vote_response(const Message& m) {
  const bool pre = m.type == MessageType::kPreVoteResponse;
  if (role_ != (pre ? Role::kPreCandidate : Role::kCandidate)) return;
  votes_[m.from] = !m.reject;
  switch (tally_votes(progress_.size(), votes_)) {
    case VoteResult::kWon:
      if (pre) {
        campaign(CampaignKind::kElection);
      } else {
        become_leader();
      }
      return;
    case VoteResult::kLost: become_follower(term_, kNoNode); return;
    case VoteResult::kPending: return;
  }
}

}  // namespace waggle::raft
