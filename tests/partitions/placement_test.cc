// Zeebe's round-robin partition distribution with priorities, on worked
// examples computed by hand from the rule in placement.h.
#include "partitions/placement.h"

#include <gtest/gtest.h>

namespace waggle::partitions {
namespace {

TEST(PlacementTest, ThreeBrokersThreePartitionsRf3) {
  std::vector<PartitionPlacement> p = PlacePartitions(3, 3, 3);
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[0], (PartitionPlacement{1, {{0, 3}, {1, 2}, {2, 1}}}));
  EXPECT_EQ(p[1], (PartitionPlacement{2, {{1, 3}, {2, 2}, {0, 1}}}));
  EXPECT_EQ(p[2], (PartitionPlacement{3, {{2, 3}, {0, 2}, {1, 1}}}));
}

TEST(PlacementTest, SecondRoundReversesSecondaryPriorities) {
  // Partitions 4-6 are the second round over 3 brokers: ascending priorities,
  // so that when broker 0 is down, partitions 1 and 4 fail over to different brokers.
  std::vector<PartitionPlacement> p = PlacePartitions(3, 6, 3);
  EXPECT_EQ(p[3], (PartitionPlacement{4, {{0, 3}, {1, 1}, {2, 2}}}));
  EXPECT_EQ(p[4], (PartitionPlacement{5, {{1, 3}, {2, 1}, {0, 2}}}));
  EXPECT_EQ(p[5], (PartitionPlacement{6, {{2, 3}, {0, 1}, {1, 2}}}));
}

TEST(PlacementTest, FiveBrokersRf3) {
  std::vector<PartitionPlacement> p = PlacePartitions(5, 7, 3);
  EXPECT_EQ(p[0], (PartitionPlacement{1, {{0, 3}, {1, 2}, {2, 1}}}));
  EXPECT_EQ(p[4], (PartitionPlacement{5, {{4, 3}, {0, 2}, {1, 1}}}));
  EXPECT_EQ(p[5], (PartitionPlacement{6, {{0, 3}, {1, 1}, {2, 2}}}));
  EXPECT_EQ(p[6], (PartitionPlacement{7, {{1, 3}, {2, 1}, {3, 2}}}));
}

TEST(PlacementTest, EveryBrokerIsPrimaryOfItsShare) {
  std::vector<PartitionPlacement> p = PlacePartitions(4, 8, 2);
  std::vector<int> primaries(4, 0);
  for (const PartitionPlacement& placement : p) {
    ASSERT_EQ(placement.members.size(), 2u);
    primaries[placement.members[0].node_id]++;
    EXPECT_EQ(placement.members[0].priority, 2);
    EXPECT_EQ(placement.members[1].priority, 1);
  }
  EXPECT_EQ(primaries, (std::vector<int>{2, 2, 2, 2}));
}

TEST(PlacementTest, SingleBroker) {
  std::vector<PartitionPlacement> p = PlacePartitions(1, 2, 1);
  EXPECT_EQ(p[0], (PartitionPlacement{1, {{0, 1}}}));
  EXPECT_EQ(p[1], (PartitionPlacement{2, {{0, 1}}}));
}

TEST(PlacementTest, RaftIdsAreNodeIdsPlusOne) {
  PartitionPlacement p{2, {{1, 3}, {2, 2}, {0, 1}}};
  EXPECT_EQ(RaftMembers(p), (std::vector<raft::NodeId>{2, 3, 1}));
  EXPECT_EQ(RaftPriorities(p), (std::map<raft::NodeId, int>{{1, 1}, {2, 3}, {3, 2}}));
  EXPECT_EQ(NodeIdOf(RaftIdOf(7)), 7);
}

}  // namespace
}  // namespace waggle::partitions
