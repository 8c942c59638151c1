// Progress: what a leader knows about one follower's log, and how it paces
// the appends it sends there (etcd's tracker.Progress).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "replication/raft/types.h"

namespace waggle::raft {

// A ring of the last indexes of unacknowledged kAppend messages. When full,
// the leader stops sending to that follower until an ack frees a slot.
class Inflights {
 public:
  explicit Inflights(size_t capacity);

  // REQUIRES: !full(); indexes are added in increasing order.
  void add(Index last_index);
  // Frees every message whose last index is <= index.
  void free_le(Index index);
  void free_first_one();
  void reset();

  bool full() const { return count_ == buffer_.size(); }
  size_t count() const { return count_; }

 private:
  std::vector<Index> buffer_;
  size_t start_ = 0;
  size_t count_ = 0;
};

class Progress {
 public:
  enum class State : uint8_t {
    kProbe,      // one append at a time until the follower's match is known
    kReplicate,  // optimistic: pipelined appends, up to max_inflight
    kSnapshot,   // the follower needs a snapshot; appends wait until it lands
  };

  Progress(Index next, size_t max_inflight) : next(next), inflights(max_inflight) {}

  void become_probe();
  void become_replicate();
  void become_snapshot(SnapshotMeta meta, std::shared_ptr<const std::string> data);

  // The follower acknowledged entries up to index. Returns whether match grew.
  bool maybe_update(Index index);
  // The follower rejected an append after `rejected`; match_hint is where it
  // may match. Returns false when the rejection is stale.
  bool maybe_decrease_to(Index rejected, Index match_hint);
  // Records an append of `count` entries ending at last_index.
  void sent_entries(size_t count, Index last_index);

  // No more appends may go out for now.
  bool paused() const;

  static const char* to_string(State state);

  Index match = 0;
  Index next = 1;
  State state = State::kProbe;
  // Probe: an append is in flight and unanswered.
  bool probe_sent = false;
  // The follower answered within the current check-quorum period.
  bool recent_active = false;
  Inflights inflights;

  // Snapshot state: the snapshot being sent (held, so compaction meanwhile
  // does not swap it), the bytes the follower holds, and heartbeat answers
  // seen since the last chunk went out (a chunk lost in the network is sent
  // again after two).
  SnapshotMeta snapshot_meta;
  std::shared_ptr<const std::string> snapshot_data;
  uint64_t snapshot_offset = 0;
  int heartbeats_since_chunk = 0;
};

}  // namespace waggle::raft
