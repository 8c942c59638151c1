// TopologyCache: merging brokers' views by term, NOT_LEADER handling.
#include "gateway/topology.h"

#include <gtest/gtest.h>

namespace waggle::gateway {
namespace {

PartitionState Leader(int32_t id, int64_t term) {
  return {id, PartitionRole::kLeader, PartitionHealth::kHealthy, term};
}
PartitionState Follower(int32_t id, int64_t term) {
  return {id, PartitionRole::kFollower, PartitionHealth::kHealthy, term};
}

BrokerState Broker(int32_t node, std::vector<PartitionState> partitions) {
  return {node, "10.0.0." + std::to_string(node), 26501, "0.1.0", std::move(partitions)};
}

ClusterState Report(std::vector<BrokerState> brokers) {
  return {3, 2, 3, std::move(brokers)};
}

TEST(TopologyCache, EmptyKnowsNoLeader) {
  TopologyCache cache;
  EXPECT_EQ(cache.partitions_count(), 0);
  EXPECT_FALSE(cache.HasLeader(1));
  EXPECT_FALSE(cache.KnowsAllLeaders());
  EXPECT_TRUE(cache.BrokerAddresses().empty());
}

TEST(TopologyCache, HighestTermsLeaderWinsWhicheverReportCameFirst) {
  // Broker 1 still believes it leads partition 1 in term 3; broker 2 leads
  // it in term 4.
  const ClusterState stale = Report({Broker(1, {Leader(1, 3)}), Broker(2, {Follower(1, 3)})});
  const ClusterState fresh = Report({Broker(1, {Follower(1, 4)}), Broker(2, {Leader(1, 4)})});
  for (bool fresh_first : {false, true}) {
    TopologyCache cache;
    cache.Update(fresh_first ? fresh : stale);
    cache.Update(fresh_first ? stale : fresh);
    ASSERT_TRUE(cache.HasLeader(1));
    EXPECT_EQ(cache.LeaderOf(1)->node_id, 2);
    EXPECT_EQ(cache.LeaderOf(1)->address, "10.0.0.2:26501");
  }
}

TEST(TopologyCache, MergesPartitionsOfSeveralBrokersViews) {
  TopologyCache cache;
  cache.Update(Report({Broker(1, {Leader(1, 1)})}));
  EXPECT_FALSE(cache.KnowsAllLeaders());  // the gateway is not ready yet
  cache.Update(Report({Broker(2, {Leader(2, 1)})}));
  EXPECT_TRUE(cache.KnowsAllLeaders());
  EXPECT_EQ(cache.LeaderOf(1)->node_id, 1);
  EXPECT_EQ(cache.LeaderOf(2)->node_id, 2);
  EXPECT_EQ(cache.partitions_count(), 2);
  EXPECT_EQ(cache.BrokerAddresses(),
            (std::vector<std::string>{"10.0.0.1:26501", "10.0.0.2:26501"}));
}

TEST(TopologyCache, SnapshotShowsOnlyTheCurrentLeaderAsLeader) {
  TopologyCache cache;
  cache.Update(Report({Broker(1, {Leader(1, 3)})}));
  cache.Update(Report({Broker(2, {Leader(1, 4)})}));
  const ClusterState snapshot = cache.Snapshot();
  ASSERT_EQ(snapshot.brokers.size(), 2u);
  EXPECT_EQ(snapshot.brokers[0].node_id, 1);
  EXPECT_EQ(snapshot.brokers[0].partitions[0].role, PartitionRole::kFollower);
  EXPECT_EQ(snapshot.brokers[1].partitions[0].role, PartitionRole::kLeader);
  EXPECT_EQ(snapshot.cluster_size, 3);
  EXPECT_EQ(snapshot.replication_factor, 3);
}

TEST(TopologyCache, LeaderSteppingDownClearsIt) {
  TopologyCache cache;
  cache.Update(Report({Broker(1, {Leader(1, 3)})}));
  cache.Update(Report({Broker(1, {Follower(1, 3)})}));
  EXPECT_FALSE(cache.HasLeader(1));
}

TEST(TopologyCache, NotLeaderForgetsTheLeaderOrFollowsTheHint) {
  TopologyCache cache;
  cache.Update(Report({Broker(1, {Leader(1, 3)}), Broker(2, {Follower(1, 3)})}));
  cache.ForgetLeader(1, /*node_id=*/2, /*hint=*/-1);  // not the known leader: ignored
  EXPECT_EQ(cache.LeaderOf(1)->node_id, 1);
  cache.ForgetLeader(1, 1, 2);
  EXPECT_EQ(cache.LeaderOf(1)->node_id, 2);
  cache.ForgetLeader(1, 2, 7);  // unknown hint
  EXPECT_FALSE(cache.HasLeader(1));
  // A later report in a newer term restores a leader.
  cache.Update(Report({Broker(1, {Leader(1, 5)})}));
  EXPECT_EQ(cache.LeaderOf(1)->node_id, 1);
}

}  // namespace
}  // namespace waggle::gateway
