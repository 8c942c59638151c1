// The vocabulary of the Raft core: log entries, persistent state, snapshots
// and the messages members exchange. Plain values with no behaviour, so the
// journal, the transport and the simulator can all share them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace waggle::raft {

using NodeId = uint64_t;
using Term = uint64_t;
using Index = uint64_t;

// NodeId 0 means "nobody": no vote cast, no leader known.
inline constexpr NodeId kNoNode = 0;

enum class EntryType : uint8_t {
  kNormal = 0,  // application bytes, delivered to the state machine
  kNoOp = 1,    // appended by a new leader to commit earlier terms (§5.4.2)
};

struct Entry {
  Term term = 0;
  Index index = 0;
  EntryType type = EntryType::kNormal;
  std::string data;

  // Bytes this entry counts for in size-limited batches.
  size_t size() const { return data.size() + 24; }
  bool operator==(const Entry&) const = default;
};

// State that must be durable before any message that depends on it is sent.
struct HardState {
  Term term = 0;
  NodeId vote = kNoNode;
  Index commit = 0;
  bool operator==(const HardState&) const = default;
};

struct SnapshotMeta {
  Index index = 0;  // last log index the snapshot covers
  Term term = 0;    // term of that entry
  bool operator==(const SnapshotMeta&) const = default;
};

// A state machine image. The data is shared, not copied, because the core
// cuts it into chunks for lagging followers while the driver may persist it.
struct Snapshot {
  SnapshotMeta meta;
  std::shared_ptr<const std::string> data;

  bool empty() const { return meta.index == 0; }
};

enum class MessageType : uint8_t {
  kAppend = 0,              // leader -> follower: entries after (index, log_term)
  kAppendResponse = 1,      // follower -> leader: index = last matching index or reject
  kVote = 2,                // candidate -> all: index/log_term = candidate's last entry
  kVoteResponse = 3,        // reject = vote refused
  kPreVote = 4,             // like kVote, but for term + 1 without changing any state
  kPreVoteResponse = 5,
  kHeartbeat = 6,           // leader -> follower: commit index, keeps followers quiet
  kHeartbeatResponse = 7,
  kSnapshot = 8,            // leader -> follower: one chunk of a snapshot
  kSnapshotResponse = 9,    // follower -> leader: bytes received so far, or installed
  kTimeoutNow = 10,         // leader -> transfer target: campaign now
};

inline constexpr int kMessageTypeCount = 11;

const char* to_string(MessageType type);

// One message between two members of a group. Fields not used by a type stay
// at their defaults; each type's comment above says which it uses.
struct Message {
  MessageType type = MessageType::kAppend;
  NodeId from = kNoNode;
  NodeId to = kNoNode;
  Term term = 0;
  Term log_term = 0;
  Index index = 0;
  Index commit = 0;
  std::vector<Entry> entries;
  bool reject = false;
  // On a rejected append: the follower's guess at the last index that may
  // match, with log_term its term there, so the leader can skip a whole term
  // of conflicting entries in one round trip.
  Index reject_hint = 0;
  // Vote requests caused by a leadership transfer: the receiver ignores its
  // leader lease, because the current leader asked for this election.
  bool force = false;

  // kSnapshot: a chunk [offset, offset + chunk.size()) of a snapshot whose
  // meta and total size are given; done marks the last chunk.
  // kSnapshotResponse: snapshot_offset = bytes the follower holds; done = it
  // installed the snapshot (index says up to where).
  SnapshotMeta snapshot;
  uint64_t snapshot_offset = 0;
  uint64_t snapshot_size = 0;
  std::string snapshot_chunk;
  bool done = false;

  bool operator==(const Message&) const = default;
};

}  // namespace waggle::raft
