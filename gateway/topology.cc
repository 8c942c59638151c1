#include "gateway/topology.h"

#include <algorithm>

namespace waggle::gateway {

void TopologyCache::Update(const ClusterState& report) {
  std::lock_guard lock(mu_);
  cluster_size_ = std::max(cluster_size_, report.cluster_size);
  partitions_count_ = std::max(partitions_count_, report.partitions_count);
  replication_factor_ = std::max(replication_factor_, report.replication_factor);
  for (const BrokerState& reported : report.brokers) {
    Broker& broker = brokers_[reported.node_id];
    if (!reported.host.empty()) {
      broker.host = reported.host;
      broker.port = reported.port;
    }
    if (!reported.version.empty()) broker.version = reported.version;
    for (const PartitionState& p : reported.partitions) {
      auto known = broker.partitions.find(p.partition_id);
      if (known != broker.partitions.end() && known->second.term > p.term) continue;
      broker.partitions[p.partition_id] = p;

      auto leader = leaders_.find(p.partition_id);
      if (p.role == PartitionRole::kLeader) {
        if (leader == leaders_.end() || leader->second.term <= p.term) {
          leaders_[p.partition_id] = Leader{reported.node_id, p.term};
        }
      } else if (leader != leaders_.end() && leader->second.node_id == reported.node_id &&
                 leader->second.term <= p.term) {
        leaders_.erase(leader);
      }
    }
  }
}

void TopologyCache::ForgetLeader(int32_t partition, int32_t node_id, int32_t hint) {
  std::lock_guard lock(mu_);
  auto leader = leaders_.find(partition);
  if (leader == leaders_.end() || leader->second.node_id != node_id) return;
  const int64_t term = leader->second.term;
  leaders_.erase(leader);
  if (hint >= 0 && hint != node_id && brokers_.count(hint) > 0) {
    leaders_[partition] = Leader{hint, term};
  }
}

std::optional<LeaderInfo> TopologyCache::LeaderOf(int32_t partition) const {
  std::lock_guard lock(mu_);
  auto leader = leaders_.find(partition);
  if (leader == leaders_.end()) return std::nullopt;
  auto broker = brokers_.find(leader->second.node_id);
  if (broker == brokers_.end() || broker->second.host.empty()) return std::nullopt;
  return LeaderInfo{leader->second.node_id,
                    broker->second.host + ":" + std::to_string(broker->second.port)};
}

int32_t TopologyCache::partitions_count() const {
  std::lock_guard lock(mu_);
  return partitions_count_;
}

bool TopologyCache::KnowsAllLeaders() const {
  const int32_t count = partitions_count();
  if (count <= 0) return false;
  for (int32_t p = 1; p <= count; ++p) {
    if (!HasLeader(p)) return false;
  }
  return true;
}

ClusterState TopologyCache::Snapshot() const {
  std::lock_guard lock(mu_);
  ClusterState state;
  state.cluster_size = cluster_size_;
  state.partitions_count = partitions_count_;
  state.replication_factor = replication_factor_;
  for (const auto& [node_id, broker] : brokers_) {
    BrokerState out;
    out.node_id = node_id;
    out.host = broker.host;
    out.port = broker.port;
    out.version = broker.version;
    for (const auto& [partition_id, p] : broker.partitions) {
      PartitionState shown = p;
      auto leader = leaders_.find(partition_id);
      const bool is_leader = leader != leaders_.end() && leader->second.node_id == node_id;
      if (is_leader) {
        shown.role = PartitionRole::kLeader;
      } else if (shown.role == PartitionRole::kLeader) {
        shown.role = PartitionRole::kFollower;
      }
      out.partitions.push_back(shown);
    }
    state.brokers.push_back(std::move(out));
  }
  return state;
}

std::vector<std::string> TopologyCache::BrokerAddresses() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> addresses;
  for (const auto& [node_id, broker] : brokers_) {
    if (!broker.host.empty()) addresses.push_back(broker.host + ":" + std::to_string(broker.port));
  }
  return addresses;
}

}  // namespace waggle::gateway
