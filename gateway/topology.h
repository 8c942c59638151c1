// TopologyCache: the gateway's merged picture of the cluster, built from the
// topologies several brokers report (GetTopology on the command API), and
// which broker leads each partition.
//
// Brokers' views lag behind each other, so the merge keeps, per partition,
// the leader reported with the highest Raft term: a broker that still thinks
// it leads in an older term cannot override a newer leader. Pure logic
// (no I/O); thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace waggle::gateway {

// Codes as in Zeebe's gateway protocol and broker_api.proto.
enum class PartitionRole : int { kLeader = 0, kFollower = 1, kInactive = 2 };
enum class PartitionHealth : int { kHealthy = 0, kUnhealthy = 1, kDead = 2 };

struct PartitionState {
  int32_t partition_id = 0;
  PartitionRole role = PartitionRole::kFollower;
  PartitionHealth health = PartitionHealth::kHealthy;
  int64_t term = 0;
};

struct BrokerState {
  int32_t node_id = 0;
  // The broker's command API.
  std::string host;
  int32_t port = 0;
  std::string version;
  std::vector<PartitionState> partitions;

  std::string address() const { return host + ":" + std::to_string(port); }
};

struct ClusterState {
  int32_t cluster_size = 0;
  int32_t partitions_count = 0;
  int32_t replication_factor = 0;
  std::vector<BrokerState> brokers;
};

struct LeaderInfo {
  int32_t node_id = 0;
  std::string address;
};

class TopologyCache {
 public:
  // Merges one broker's report. Per (broker, partition) the entry with the
  // higher (or equal: newer) term wins; a LEADER entry becomes the
  // partition's leader unless a higher term's leader is known; the known
  // leader reporting itself FOLLOWER or INACTIVE in the same or a later term
  // clears it.
  void Update(const ClusterState& report);

  // A broker answered NOT_LEADER for `partition`: it stops being its leader
  // here until a report says otherwise. `hint` is the leader that broker
  // knows (-1: none); if it is a known broker it becomes the leader.
  void ForgetLeader(int32_t partition, int32_t node_id, int32_t hint);

  std::optional<LeaderInfo> LeaderOf(int32_t partition) const;
  bool HasLeader(int32_t partition) const { return LeaderOf(partition).has_value(); }
  int32_t partitions_count() const;
  // A leader is known for every partition (the gateway's readiness); false
  // before any broker reported.
  bool KnowsAllLeaders() const;

  // The merged topology, brokers by node id and partitions by id, where only
  // the current leader of a partition shows as LEADER (a stale leader shows
  // as FOLLOWER).
  ClusterState Snapshot() const;
  // Command API addresses of every broker known.
  std::vector<std::string> BrokerAddresses() const;

 private:
  struct Broker {
    std::string host;
    int32_t port = 0;
    std::string version;
    std::map<int32_t, PartitionState> partitions;
  };
  struct Leader {
    int32_t node_id;
    int64_t term;
  };

  mutable std::mutex mu_;
  int32_t cluster_size_ = 0;
  int32_t partitions_count_ = 0;
  int32_t replication_factor_ = 0;
  std::map<int32_t, Broker> brokers_;
  std::map<int32_t, Leader> leaders_;
};

}  // namespace waggle::gateway
