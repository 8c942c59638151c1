#include "engine/state/key_codec.h"

#include <gtest/gtest.h>

#include <random>
#include <tuple>

namespace waggle::engine::state {
namespace {

// A composite key of every field type, as an engine index would build one.
using Fields = std::tuple<int64_t, std::string, uint64_t, uint32_t>;

std::string Encode(const Fields& fields) {
  std::string key;
  AppendInt64(&key, std::get<0>(fields));
  AppendString(&key, std::get<1>(fields));
  AppendUint64(&key, std::get<2>(fields));
  AppendUint32(&key, std::get<3>(fields));
  return key;
}

class RandomFields {
 public:
  explicit RandomFields(uint32_t seed) : random_(seed) {}

  Fields Next() {
    // Small domains so that equal prefixes (and equal keys) are common.
    const int64_t i64s[] = {INT64_MIN, -1000, -1, 0, 1, 255, 256, 1000, INT64_MAX};
    const uint64_t u64s[] = {0, 1, 255, 256, uint64_t{1} << 51, UINT64_MAX};
    const uint32_t u32s[] = {0, 1, 255, 256, 65536, UINT32_MAX};
    return {Pick(i64s), RandomString(), Pick(u64s), Pick(u32s)};
  }

 private:
  template <typename T, size_t N>
  T Pick(const T (&values)[N]) {
    return values[std::uniform_int_distribution<size_t>(0, N - 1)(random_)];
  }

  std::string RandomString() {
    // Bytes that stress the escaping: 0x00, 0x01, 0xFF and ordinary ones.
    const char bytes[] = {'\0', '\x01', '\xFF', 'a', 'b'};
    std::string s(std::uniform_int_distribution<size_t>(0, 4)(random_), ' ');
    for (char& c : s) c = Pick(bytes);
    return s;
  }

  std::mt19937 random_;
};

// Byte order of the encodings, as LevelDB's bytewise comparator sees it.
int ByteOrder(const std::string& a, const std::string& b) {
  const int c = std::string_view(a).compare(b);
  return (c > 0) - (c < 0);
}

// Logical order; strings compare as unsigned bytes, as LevelDB does.
int LogicalOrder(const Fields& a, const Fields& b) {
  const auto unsigned_string = [](const std::string& s) {
    return std::basic_string<unsigned char>(s.begin(), s.end());
  };
  const auto as_comparable = [&](const Fields& f) {
    return std::make_tuple(std::get<0>(f), unsigned_string(std::get<1>(f)), std::get<2>(f),
                           std::get<3>(f));
  };
  const auto x = as_comparable(a), y = as_comparable(b);
  return (x > y) - (x < y);
}

TEST(KeyCodecTest, ByteOrderEqualsLogicalOrder) {
  RandomFields random(20261122);
  for (int i = 0; i < 20000; ++i) {
    const Fields a = random.Next(), b = random.Next();
    ASSERT_EQ(ByteOrder(Encode(a), Encode(b)), LogicalOrder(a, b))
        << "pair " << i << ": strings '" << std::get<1>(a) << "' and '" << std::get<1>(b) << "'";
  }
}

TEST(KeyCodecTest, DecodesWhatWasEncoded) {
  RandomFields random(7);
  for (int i = 0; i < 2000; ++i) {
    const Fields fields = random.Next();
    const std::string key = Encode(fields);
    KeyReader reader(key);
    Fields decoded;
    ASSERT_TRUE(reader.ReadInt64(&std::get<0>(decoded)));
    ASSERT_TRUE(reader.ReadString(&std::get<1>(decoded)));
    ASSERT_TRUE(reader.ReadUint64(&std::get<2>(decoded)));
    ASSERT_TRUE(reader.ReadUint32(&std::get<3>(decoded)));
    EXPECT_TRUE(reader.done());
    EXPECT_EQ(decoded, fields);
  }
}

TEST(KeyCodecTest, StringsSortLexicographicallyNotByLength) {
  std::string b, aa;
  AppendString(&b, "b");
  AppendString(&aa, "aa");
  EXPECT_LT(aa, b);
}

TEST(KeyCodecTest, MalformedKeysAreRefused) {
  uint64_t u64;
  EXPECT_FALSE(KeyReader(std::string(7, 'x')).ReadUint64(&u64));
  std::string s;
  EXPECT_FALSE(KeyReader("abc").ReadString(&s));                       // no terminator
  EXPECT_FALSE(KeyReader(std::string("ab\0", 3)).ReadString(&s));      // cut after 0x00
  EXPECT_FALSE(KeyReader(std::string("ab\0\x07", 4)).ReadString(&s));  // bad marker
  EXPECT_TRUE(KeyReader(std::string("a\0\xFF\0\x01", 5)).ReadString(&s));
  EXPECT_EQ(s, std::string("a\0", 2));
}

TEST(KeyCodecTest, PrefixSuccessorBoundsEveryKeyWithThePrefix) {
  EXPECT_EQ(PrefixSuccessor("ab"), "ac");
  EXPECT_EQ(PrefixSuccessor(std::string("a\xFF\xFF", 3)), "b");
  EXPECT_EQ(PrefixSuccessor(std::string("\xFF", 1)), "");
  EXPECT_EQ(PrefixSuccessor(""), "");
  EXPECT_LT(std::string("ab\xFF\xFF\xFF"), PrefixSuccessor("ab"));
}

}  // namespace
}  // namespace waggle::engine::state
