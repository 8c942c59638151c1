// Placement: which brokers host which partitions, as Zeebe's round-robin
// distribution with priorities.
//
// Brokers are sorted by node id. Partition p (1-based; i = p - 1) has the
// replication-factor brokers (i + j) % clusterSize for j = 0..RF-1. The first
// is the primary with priority RF; the others get RF-1, RF-2, ..., 1 when
// ((p - 1) / clusterSize) is even and 1, 2, ..., RF-1 when it is odd, so that
// when a primary is down the partitions it led spread over different brokers.
// With priority election on, leadership settles on the primaries.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "replication/raft/types.h"

namespace waggle::partitions {

struct PartitionMember {
  int32_t node_id = 0;
  int priority = 0;
  bool operator==(const PartitionMember&) const = default;
};

struct PartitionPlacement {
  int32_t partition_id = 0;
  std::vector<PartitionMember> members;  // primary first
  bool operator==(const PartitionPlacement&) const = default;
};

// REQUIRES: 1 <= replication_factor <= cluster_size, partitions_count >= 1
std::vector<PartitionPlacement> PlacePartitions(int32_t cluster_size, int32_t partitions_count,
                                                int32_t replication_factor);

// Raft member ids are node ids + 1: Raft reserves 0 for "nobody".
inline raft::NodeId RaftIdOf(int32_t node_id) {
  return static_cast<raft::NodeId>(node_id) + 1;
}
inline int32_t NodeIdOf(raft::NodeId raft_id) {
  return static_cast<int32_t>(raft_id) - 1;
}

// The Raft members and priorities of one partition.
std::vector<raft::NodeId> RaftMembers(const PartitionPlacement& placement);
std::map<raft::NodeId, int> RaftPriorities(const PartitionPlacement& placement);

}  // namespace waggle::partitions
