// kAppend (follower side) and kAppendResponse (leader side): log matching
// (§5.3), conflict backtracking and flow control.
#include "replication/raft/raft.h"

namespace waggle::raft {

void Raft::handle_append(const Message& m) {
  Message reply = reply_to(m, MessageType::kAppendResponse);
  if (m.index < log_.committed()) {
    // Everything up to our commit index already matches the leader.
    reply.index = log_.committed();
    return send(std::move(reply));
  }
  if (std::optional<Index> last_new = log_.maybe_append(m.index, m.log_term, m.commit, m.entries)) {
    reply.index = *last_new;
    return send(std::move(reply));
  }
  // Our log does not hold (m.index, m.log_term). Point the leader at the
  // last index that may match: the newest of ours whose term is not above
  // m.log_term, so it skips our whole conflicting term at once.
  const auto [hint_index, hint_term] =
      log_.find_conflict_by_term(std::min(m.index, log_.last_index()), m.log_term);
  reply.reject = true;
  reply.index = m.index;
  reply.reject_hint = hint_index;
  reply.log_term = hint_term;
  send(std::move(reply));
}

void Raft::handle_append_response(const Message& m) {
  Progress& pr = progress_.at(m.from);
  if (m.reject) {
    Index next_probe = m.reject_hint;
    if (m.log_term > 0) {
      // Skip, on our side too, every entry whose term the follower lacks.
      next_probe = log_.find_conflict_by_term(m.reject_hint, m.log_term).first;
    }
    if (pr.maybe_decrease_to(m.index, next_probe)) {
      if (pr.state == Progress::State::kReplicate) pr.become_probe();
      maybe_send_append(m.from, true);
    }
    return;
  }
  const bool was_paused = pr.paused();
  // A probe that finds the follower already at match also ends probing.
  const bool probe_confirmed = pr.state == Progress::State::kProbe && pr.match == m.index;
  if (!pr.maybe_update(m.index) && !probe_confirmed) return;
  switch (pr.state) {
    case Progress::State::kProbe: pr.become_replicate(); break;
    case Progress::State::kSnapshot:
      // An append answered while a snapshot was on its way: if the log now
      // reaches far enough, the snapshot is no longer needed.
      if (pr.match + 1 >= log_.first_index()) {
        pr.become_probe();
        pr.become_replicate();
      }
      break;
    case Progress::State::kReplicate: pr.inflights.free_le(m.index); break;
  }
  if (maybe_commit()) {
    broadcast_append();
  } else if (was_paused) {
    maybe_send_append(m.from, true);
  }
  // Fill the pipeline with whatever is left.
  while (maybe_send_append(m.from, false)) {
  }
  if (m.from == transfer_target_ && pr.match == log_.last_index()) send_timeout_now(m.from);
}

}  // namespace waggle::raft
