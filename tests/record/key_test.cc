#include <gtest/gtest.h>

#include "common/record/key.h"

namespace waggle::record {
namespace {

TEST(KeyTest, LooksLikeZeebesKeys) {
  EXPECT_EQ(EncodeKey(1, 1), 2251799813685249);
  EXPECT_EQ(EncodeKey(2, 1), 4503599627370497);
  EXPECT_EQ(PartitionOf(2251799813685249), 1);
  EXPECT_EQ(CounterOf(2251799813685249), 1);
}

TEST(KeyTest, EveryPartitionAndCounterRoundTrips) {
  for (int32_t partition : {0, 1, 2, 3, 4095, 4096, kMaxKeyPartitionId}) {
    for (int64_t counter : {int64_t{0}, int64_t{1}, int64_t{123456789}, kMaxKeyCounter}) {
      int64_t key = EncodeKey(partition, counter);
      EXPECT_EQ(PartitionOf(key), partition) << partition << "/" << counter;
      EXPECT_EQ(CounterOf(key), counter) << partition << "/" << counter;
    }
  }
  EXPECT_EQ(kMaxKeyPartitionId, 8191);
}

TEST(KeyGeneratorTest, HandsOutConsecutiveKeysOfItsPartition) {
  KeyGenerator keys(3);
  EXPECT_EQ(keys.Next(), EncodeKey(3, 1));
  EXPECT_EQ(keys.Next(), EncodeKey(3, 2));
  EXPECT_EQ(keys.last_counter(), 2);
  EXPECT_EQ(keys.partition_id(), 3);
}

TEST(KeyGeneratorTest, RestoredGeneratorContinuesWhereTheOldOneStopped) {
  KeyGenerator original(1);
  for (int i = 0; i < 5; ++i) original.Next();
  KeyGenerator restored(1, original.last_counter());
  EXPECT_EQ(restored.Next(), original.Next());
}

TEST(KeyGeneratorTest, ObserveSkipsKeysSeenInReplayAndIgnoresOtherPartitions) {
  KeyGenerator keys(2);
  keys.Observe(EncodeKey(2, 10));
  keys.Observe(EncodeKey(2, 4));   // older: no effect
  keys.Observe(EncodeKey(1, 99));  // another partition's key
  EXPECT_EQ(keys.Next(), EncodeKey(2, 11));
}

}  // namespace
}  // namespace waggle::record
