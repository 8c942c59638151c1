#include "replication/journal/crc32c.h"

#include <random>
#include <string>

#include <gtest/gtest.h>

namespace waggle::journal::crc32c {
namespace {

struct Vector {
  std::string data;
  uint32_t crc;
};

// Check values of RFC 3720 (iSCSI), appendix B.4, and the classic "123456789".
std::vector<Vector> KnownVectors() {
  std::string ascending(32, '\0'), descending(32, '\0');
  for (int i = 0; i < 32; ++i) {
    ascending[i] = static_cast<char>(i);
    descending[i] = static_cast<char>(31 - i);
  }
  return {
      {"", 0},
      {"123456789", 0xe3069283},
      {std::string(32, '\0'), 0x8a9136aa},
      {std::string(32, '\xff'), 0x62a8ab43},
      {ascending, 0x46dd794e},
      {descending, 0x113fdb5c},
  };
}

TEST(Crc32cTest, MatchesKnownVectors) {
  for (const Vector& v : KnownVectors()) {
    EXPECT_EQ(Value(v.data), v.crc) << v.data.size() << " bytes";
    EXPECT_EQ(ExtendPortable(0, v.data.data(), v.data.size()), v.crc) << v.data.size() << " bytes";
  }
}

TEST(Crc32cTest, ExtendingEqualsComputingAtOnce) {
  std::mt19937 rng(7);
  std::string data(300, '\0');
  for (char& c : data) c = static_cast<char>(rng());
  const uint32_t whole = Value(data);
  for (size_t split = 0; split <= data.size(); ++split) {
    uint32_t head = Extend(0, data.data(), split);
    ASSERT_EQ(Extend(head, data.data() + split, data.size() - split), whole) << split;
  }
}

TEST(Crc32cTest, HardwareAndPortablePathsAgreeAtEveryLengthAndAlignment) {
  std::mt19937 rng(11);
  std::string data(200, '\0');
  for (char& c : data) c = static_cast<char>(rng());
  for (size_t start = 0; start < 8; ++start) {
    for (size_t n = 0; start + n <= data.size(); ++n) {
      ASSERT_EQ(Extend(0x12345678, data.data() + start, n),
                ExtendPortable(0x12345678, data.data() + start, n))
          << start << "+" << n;
    }
  }
}

TEST(Crc32cTest, DetectsASingleFlippedBit) {
  std::string data = "the quick brown fox jumps over the lazy dog";
  const uint32_t original = Value(data);
  data[10] ^= 0x04;
  EXPECT_NE(Value(data), original);
}

}  // namespace
}  // namespace waggle::journal::crc32c
