#include "replication/raft/progress.h"

#include <algorithm>
#include <cassert>

namespace waggle::raft {

Inflights::Inflights(size_t capacity) : buffer_(std::max<size_t>(capacity, 1)) {}

void Inflights::add(Index last_index) {
  assert(!full());
  buffer_[(start_ + count_) % buffer_.size()] = last_index;
  ++count_;
}

void Inflights::free_le(Index index) {
  while (count_ > 0 && buffer_[start_] <= index) free_first_one();
}

void Inflights::free_first_one() {
  if (count_ == 0) return;
  start_ = (start_ + 1) % buffer_.size();
  --count_;
}

void Inflights::reset() {
  start_ = 0;
  count_ = 0;
}

void Progress::become_probe() {
  // After a snapshot the follower holds at least the snapshot's entries.
  const Index floor = state == State::kSnapshot ? snapshot_meta.index : 0;
  state = State::kProbe;
  next = std::max(match, floor) + 1;
  probe_sent = false;
  inflights.reset();
  snapshot_data.reset();
}

void Progress::become_replicate() {
  state = State::kReplicate;
  next = match + 1;
  probe_sent = false;
  inflights.reset();
  snapshot_data.reset();
}

void Progress::become_snapshot(SnapshotMeta meta, std::shared_ptr<const std::string> data) {
  state = State::kSnapshot;
  probe_sent = false;
  inflights.reset();
  snapshot_meta = meta;
  snapshot_data = std::move(data);
  snapshot_offset = 0;
  heartbeats_since_chunk = 0;
}

bool Progress::maybe_update(Index index) {
  const bool updated = match < index;
  if (updated) {
    match = index;
    probe_sent = false;
  }
  next = std::max(next, index + 1);
  return updated;
}

bool Progress::maybe_decrease_to(Index rejected, Index match_hint) {
  if (state == State::kReplicate) {
    // Pipelined appends above match may all be rejected; only the first
    // rejection that is not below match counts.
    if (rejected <= match) return false;
    next = match + 1;
    return true;
  }
  // In probe state only the answer to the append just sent matters.
  if (next - 1 != rejected) return false;
  next = std::max(std::min(rejected, match_hint + 1), match + 1);
  probe_sent = false;
  return true;
}

void Progress::sent_entries(size_t count, Index last_index) {
  if (count == 0) return;
  if (state == State::kReplicate) {
    next = last_index + 1;
    inflights.add(last_index);
  } else if (state == State::kProbe) {
    probe_sent = true;
  }
}

bool Progress::paused() const {
  switch (state) {
    case State::kProbe: return probe_sent;
    case State::kReplicate: return inflights.full();
    case State::kSnapshot: return true;
  }
  return true;
}

const char* Progress::to_string(State state) {
  switch (state) {
    case State::kProbe: return "probe";
    case State::kReplicate: return "replicate";
    case State::kSnapshot: return "snapshot";
  }
  return "unknown";
}

}  // namespace waggle::raft
