// kHeartbeat and kHeartbeatResponse: leader liveness, commit propagation to
// followers that are up to date, and restarting stalled replication.
#include <algorithm>

#include "replication/raft/raft.h"

namespace waggle::raft {

void Raft::broadcast_heartbeat() {
  for (const auto& [member, pr] : progress_) {
    if (member == id_) continue;
    Message m;
    m.type = MessageType::kHeartbeat;
    m.to = member;
    // The follower may not hold more than match; it must not commit past it.
    m.commit = std::min(pr.match, log_.committed());
    send(std::move(m));
  }
}

void Raft::handle_heartbeat(const Message& m) {
  log_.commit_to(std::min(m.commit, log_.last_index()));
  send(reply_to(m, MessageType::kHeartbeatResponse));
}

void Raft::handle_heartbeat_response(const Message& m) {
  Progress& pr = progress_.at(m.from);
  switch (pr.state) {
    case Progress::State::kSnapshot:
      // A chunk unanswered for two heartbeat rounds was probably lost.
      if (++pr.heartbeats_since_chunk >= 2) send_snapshot_chunk(m.from);
      return;
    case Progress::State::kReplicate:
      if (pr.inflights.full()) pr.inflights.free_first_one();
      break;
    case Progress::State::kProbe: pr.probe_sent = false; break;
  }
  if (pr.match < log_.last_index() || pr.state == Progress::State::kProbe) {
    maybe_send_append(m.from, true);
  }
}

}  // namespace waggle::raft
