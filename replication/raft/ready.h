// Ready: everything the core asks the world to do after some input.
//
// The driver handles a Ready in this order:
//   1. send `messages` (may go out before anything is persisted);
//   2. persist `snapshot` (if any), then `entries` (which may replace a
//      suffix of the log starting at entries.front().index), then
//      `hard_state`; fsync when `must_sync`;
//   3. send `messages_after_persist`;
//   4. install `snapshot` into the state machine, then apply
//      `committed_entries` in order;
//   5. call RawNode::advance().
#pragma once

#include <optional>
#include <vector>

#include "replication/raft/types.h"

namespace waggle::raft {

enum class Role : uint8_t { kFollower = 0, kPreCandidate = 1, kCandidate = 2, kLeader = 3 };

const char* to_string(Role role);

// Volatile state worth observing: who leads and what this member is.
struct SoftState {
  NodeId leader = kNoNode;
  Role role = Role::kFollower;
  bool operator==(const SoftState&) const = default;
};

struct Ready {
  std::optional<SoftState> soft_state;  // set when it changed
  std::optional<HardState> hard_state;  // set when it changed
  std::vector<Entry> entries;
  Snapshot snapshot;
  std::vector<Entry> committed_entries;
  std::vector<Message> messages;
  std::vector<Message> messages_after_persist;
  bool must_sync = false;

  bool empty() const {
    return !soft_state && !hard_state && entries.empty() && snapshot.empty() &&
           committed_entries.empty() && messages.empty() && messages_after_persist.empty();
  }
};

}  // namespace waggle::raft
