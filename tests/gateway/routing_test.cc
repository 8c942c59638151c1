// Routing: Zeebe's correlation-key hash and partition, round-robin pickers.
#include "gateway/routing.h"

#include <gtest/gtest.h>

#include <set>

#include "common/record/key.h"

namespace waggle::gateway {
namespace {

TEST(CorrelationKeyHash, MatchesJavasStringHashCodeForAscii) {
  EXPECT_EQ(CorrelationKeyHash(""), 0);
  EXPECT_EQ(CorrelationKeyHash("a"), 97);
  EXPECT_EQ(CorrelationKeyHash("hello"), 99162322);        // "hello".hashCode()
  EXPECT_EQ(CorrelationKeyHash("order-123"), -392797389);  // "order-123".hashCode()
}

TEST(CorrelationKeyHash, WrapsAroundInt32) {
  // "polygenelubricants".hashCode() is Integer.MIN_VALUE.
  EXPECT_EQ(CorrelationKeyHash("polygenelubricants"), INT32_MIN);
  // |MIN_VALUE % 3| + 1: Java's % keeps the dividend's sign.
  EXPECT_EQ(CorrelationKeyHash("polygenelubricants") % 3, -2);
  EXPECT_EQ(CorrelationKeyPartition("polygenelubricants", 3), 3);
  EXPECT_EQ(CorrelationKeyPartition("polygenelubricants", 1), 1);
}

TEST(CorrelationKeyHash, HashesUtf8BytesAsSignedBytes) {
  // "ä" is C3 A4: 31 * -61 + -92 (Java's getBytes(UTF_8), not its chars).
  EXPECT_EQ(CorrelationKeyHash("\xC3\xA4"), -1983);
  EXPECT_EQ(CorrelationKeyPartition("\xC3\xA4", 3), 1);  // |-1983 % 3| + 1
  EXPECT_EQ(CorrelationKeyPartition("\xC3\xA4", 5), 4);  // |-3| + 1
  // "日" is E6 97 A5: ((-26 * 31) + -105) * 31 + -91.
  EXPECT_EQ(CorrelationKeyHash("\xE6\x97\xA5"), ((-26 * 31) - 105) * 31 - 91);
}

TEST(CorrelationKeyPartition, StaysInRange) {
  for (int count : {1, 2, 3, 7, 8192}) {
    for (int i = 0; i < 1000; ++i) {
      const int32_t p = CorrelationKeyPartition("key-" + std::to_string(i), count);
      EXPECT_GE(p, 1);
      EXPECT_LE(p, count);
    }
  }
}

TEST(KeyPartition, KeysNameTheirPartition) {
  EXPECT_EQ(record::PartitionOf(record::EncodeKey(3, 42)), 3);
  EXPECT_EQ(record::PartitionOf(2251799813685249), 1);  // a real Zeebe key on partition 1
}

TEST(RoundRobin, VisitsEveryPartitionInTurn) {
  RoundRobin rr;
  std::vector<int32_t> seen;
  for (int i = 0; i < 6; ++i) seen.push_back(rr.Next(3, [](int32_t) { return true; }));
  EXPECT_EQ(seen, (std::vector<int32_t>{1, 2, 3, 1, 2, 3}));
}

TEST(RoundRobin, SkipsPartitionsWithoutLeader) {
  RoundRobin rr;
  std::set<int32_t> seen;
  for (int i = 0; i < 9; ++i) seen.insert(rr.Next(3, [](int32_t p) { return p != 2; }));
  EXPECT_EQ(seen, (std::set<int32_t>{1, 3}));
  EXPECT_EQ(rr.Next(3, [](int32_t) { return false; }), 0);
  EXPECT_EQ(rr.Next(0, [](int32_t) { return true; }), 0);
}

TEST(JobTypeRoundRobin, KeepsOneCursorPerType) {
  JobTypeRoundRobin cursors;
  EXPECT_EQ(cursors.Start("a", 3), 1);
  EXPECT_EQ(cursors.Start("a", 3), 2);
  EXPECT_EQ(cursors.Start("b", 3), 1);  // b's own cursor
  EXPECT_EQ(cursors.Start("a", 3), 3);
  EXPECT_EQ(cursors.Start("a", 3), 1);
  EXPECT_EQ(cursors.Start("b", 3), 2);
}

}  // namespace
}  // namespace waggle::gateway
