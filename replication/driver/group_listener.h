// GroupListener: how the layer above (partitions, or the log demo) learns
// what happens in a group it hosts.
//
// Every call runs on the driver thread, between rounds of I/O: it must not
// block, and must not call back into the driver synchronously except through
// its thread-safe entry points.
#pragma once

#include <vector>

#include "replication/raft/ready.h"
#include "replication/raft/types.h"
#include "replication/transport/group_message.h"

namespace waggle::replication {

using transport::GroupId;

class GroupListener {
 public:
  virtual ~GroupListener() = default;

  // Committed entries, in log order, each exactly once per process lifetime,
  // starting after the `applied` index the group was added with. Entries of
  // type kNoOp are included so that indices have no gaps.
  virtual void OnCommitted(GroupId group, const std::vector<raft::Entry>& entries) = 0;

  // The member's role or the known leader changed.
  virtual void OnRoleChanged(GroupId group, const raft::SoftState& state, raft::Term term) {
    (void)group, (void)state, (void)term;
  }

  // The leader sent a snapshot and this member installed it: the state
  // machine must replace its state with the snapshot's. Committed entries
  // after snapshot.meta.index follow through OnCommitted.
  virtual void OnSnapshotInstalled(GroupId group, const raft::Snapshot& snapshot) {
    (void)group, (void)snapshot;
  }
};

}  // namespace waggle::replication
