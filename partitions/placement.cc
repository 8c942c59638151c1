#include "partitions/placement.h"

#include <cassert>

namespace waggle::partitions {

std::vector<PartitionPlacement> PlacePartitions(int32_t cluster_size, int32_t partitions_count,
                                                int32_t replication_factor) {
  assert(replication_factor >= 1 && replication_factor <= cluster_size);
  std::vector<PartitionPlacement> out;
  for (int32_t i = 0; i < partitions_count; ++i) {
    PartitionPlacement p;
    p.partition_id = i + 1;
    const bool descending = (i / cluster_size) % 2 == 0;
    for (int32_t j = 0; j < replication_factor; ++j) {
      const int priority = j == 0 ? replication_factor : descending ? replication_factor - j : j;
      p.members.push_back({(i + j) % cluster_size, priority});
    }
    out.push_back(std::move(p));
  }
  return out;
}

std::vector<raft::NodeId> RaftMembers(const PartitionPlacement& placement) {
  std::vector<raft::NodeId> ids;
  for (const PartitionMember& m : placement.members) ids.push_back(RaftIdOf(m.node_id));
  return ids;
}

std::map<raft::NodeId, int> RaftPriorities(const PartitionPlacement& placement) {
  std::map<raft::NodeId, int> priorities;
  for (const PartitionMember& m : placement.members) priorities[RaftIdOf(m.node_id)] = m.priority;
  return priorities;
}

}  // namespace waggle::partitions
