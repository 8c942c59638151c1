// kSnapshot and kSnapshotResponse: a snapshot travels to a lagging follower
// one chunk at a time; the follower's answer says how many bytes it holds, so
// a lost chunk or a new leader resumes where the follower stands.
#include <algorithm>
#include <cassert>

#include "replication/raft/raft.h"

namespace waggle::raft {

bool Raft::start_snapshot(NodeId to) {
  Snapshot snapshot = log_.snapshot();
  if (snapshot.empty()) return false;
  Progress& pr = progress_.at(to);
  pr.become_snapshot(snapshot.meta, std::move(snapshot.data));
  send_snapshot_chunk(to);
  return true;
}

void Raft::send_snapshot_chunk(NodeId to) {
  Progress& pr = progress_.at(to);
  assert(pr.state == Progress::State::kSnapshot);
  const std::string empty;
  const std::string& data = pr.snapshot_data ? *pr.snapshot_data : empty;
  const uint64_t offset = std::min<uint64_t>(pr.snapshot_offset, data.size());
  const uint64_t length = std::min<uint64_t>(std::max<size_t>(config_.max_snapshot_chunk_bytes, 1),
                                             data.size() - offset);
  Message m;
  m.type = MessageType::kSnapshot;
  m.to = to;
  m.snapshot = pr.snapshot_meta;
  m.snapshot_offset = offset;
  m.snapshot_size = data.size();
  m.snapshot_chunk = data.substr(offset, length);
  m.done = offset + length == data.size();
  pr.heartbeats_since_chunk = 0;
  send(std::move(m));
}

void Raft::handle_snapshot(const Message& m) {
  Message reply = reply_to(m, MessageType::kSnapshotResponse);
  reply.snapshot = m.snapshot;
  if (m.snapshot.index <= log_.committed()) {
    // Our committed log already covers everything the snapshot holds.
    reply.done = true;
    reply.index = log_.committed();
    return send(std::move(reply));
  }
  IncomingSnapshot& in = incoming_snapshot_;
  if (m.term == in.term && m.snapshot.index < in.meta.index) {
    return;  // a delayed chunk of a snapshot this leader has since replaced
  }
  if (m.term != in.term || m.snapshot != in.meta || m.snapshot_size != in.size) {
    // A new leader may send an older snapshot than the one its predecessor
    // began: what the current leader sends is what counts.
    in = IncomingSnapshot{.term = m.term, .meta = m.snapshot, .size = m.snapshot_size, .data = {}};
  }
  if (m.snapshot_offset == in.data.size() && in.data.size() + m.snapshot_chunk.size() <= in.size) {
    in.data += m.snapshot_chunk;
    if (m.done && in.data.size() == in.size) {
      Snapshot snapshot{.meta = in.meta,
                        .data = std::make_shared<const std::string>(std::move(in.data))};
      in = IncomingSnapshot();
      restore(std::move(snapshot));
      reply.done = true;
      reply.index = m.snapshot.index;
      return send(std::move(reply));
    }
  }
  // Either the chunk was taken, or it was not where we stand: in both cases
  // the leader continues from the bytes we hold.
  reply.snapshot_offset = in.data.size();
  send(std::move(reply));
}

bool Raft::restore(Snapshot snapshot) {
  if (log_.match_term(snapshot.meta.index, snapshot.meta.term)) {
    // Our log already holds the snapshot's last entry, and by log matching
    // all before it: keep what follows and just commit.
    log_.commit_to(snapshot.meta.index);
    return false;
  }
  log_.restore(std::move(snapshot));
  return true;
}

void Raft::handle_snapshot_response(const Message& m) {
  Progress& pr = progress_.at(m.from);
  if (pr.state != Progress::State::kSnapshot || m.snapshot != pr.snapshot_meta) return;
  if (m.done) {
    pr.maybe_update(m.index);
    pr.become_probe();
    maybe_send_append(m.from, true);
    return;
  }
  // An answer repeating the offset we already know is a duplicate.
  if (m.snapshot_offset == pr.snapshot_offset) return;
  pr.snapshot_offset = m.snapshot_offset;
  send_snapshot_chunk(m.from);
}

}  // namespace waggle::raft
