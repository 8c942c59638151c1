#include "engine/state/snapshot.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include "engine/state/fnv1a.h"
#include "engine/state/key_codec.h"
#include "tests/state/store_test_util.h"
#include "tests/state/temp_dir.h"

namespace waggle::engine::state {
namespace {

namespace fs = std::filesystem;

constexpr size_t kHeaderSize = 20;  // magic 8, version 4, count 8
constexpr size_t kCountOffset = 12;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// Recomputes the trailer so that only the structure checks can object.
std::string Reseal(std::string file) {
  file.resize(file.size() - 8);
  Fnv1a64 checksum;
  checksum.Update(std::string_view(file).substr(kHeaderSize));
  checksum.Update(std::string_view(file).substr(0, kHeaderSize));
  AppendUint64(&file, checksum.value());
  return file;
}

std::string Uint64Bytes(uint64_t value) {
  std::string bytes;
  AppendUint64(&bytes, value);
  return bytes;
}

class SnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = OpenStore(dir_.Path("leader"));
    ASSERT_NE(store_, nullptr);
  }

  void Fill(int entries) {
    Transaction transaction = store_->BeginTransaction();
    for (int i = 0; i < entries; ++i) {
      std::string key;
      AppendUint64(&key, static_cast<uint64_t>(i) * 7919 % 100003);
      transaction.Put(ColumnFamily::kElementInstance, key, "instance " + std::to_string(i));
      transaction.Put(ColumnFamily::kVariables, key + std::string("\0\xFF", 2),
                      std::string(i % 5, '\0'));
    }
    transaction.Put(ColumnFamily::kKeyGenerator, "", "next");
    transaction.SetLastProcessedPosition(entries);
    ASSERT_TRUE(transaction.Commit().ok());
  }

  std::string Export() {
    const std::string file = dir_.Path("state.snapshot");
    const Status exported = ExportSnapshot(*store_, file);
    EXPECT_TRUE(exported.ok()) << exported.ToString();
    return file;
  }

  // Restoring `bytes` fails with Corruption and leaves no store behind.
  // With `reason`, the error message must contain it: the check that fired.
  void ExpectCorruption(const std::string& bytes, const std::string& what,
                        const std::string& reason = "") {
    const std::string file = dir_.Path("bad.snapshot");
    const std::string target = dir_.Path("restored");
    WriteFile(file, bytes);
    const Status restored = RestoreSnapshot(file, target);
    EXPECT_EQ(restored.code(), Status::Code::kCorruption) << what << ": " << restored.ToString();
    EXPECT_NE(restored.message().find(reason), std::string::npos)
        << what << ": " << restored.ToString();
    EXPECT_FALSE(fs::exists(target)) << what;
    EXPECT_FALSE(fs::exists(target + ".restoring")) << what;
  }

  TempDir dir_;
  std::unique_ptr<StateStore> store_;
};

TEST_F(SnapshotTest, RoundTripPreservesDigestContentsAndPosition) {
  Fill(3000);
  const std::string file = Export();
  EXPECT_FALSE(fs::exists(file + ".tmp"));
  const std::string target = dir_.Path("follower");
  ASSERT_TRUE(RestoreSnapshot(file, target).ok());
  EXPECT_FALSE(fs::exists(target + ".restoring"));
  auto restored = OpenStore(target);
  ASSERT_NE(restored, nullptr);
  EXPECT_EQ(*Digest(*restored), *Digest(*store_));
  EXPECT_EQ(*restored->LastProcessedPosition(), 3000);
  EXPECT_EQ(Collect(*restored, ColumnFamily::kVariables),
            Collect(*store_, ColumnFamily::kVariables));
  EXPECT_EQ(Collect(*restored, ColumnFamily::kElementInstance).size(), 3000u);
}

TEST_F(SnapshotTest, EmptyStateRoundTrips) {
  const std::string file = Export();
  ASSERT_TRUE(RestoreSnapshot(file, dir_.Path("follower")).ok());
  auto restored = OpenStore(dir_.Path("follower"));
  EXPECT_EQ(*Digest(*restored), *Digest(*store_));
  EXPECT_EQ(*restored->LastProcessedPosition(), kNoPosition);
}

TEST_F(SnapshotTest, DigestDependsOnContentNotOnHowItWasWritten) {
  auto other = OpenStore(dir_.Path("other"));
  ASSERT_TRUE(store_->Put(ColumnFamily::kJobs, "1", "a").ok());
  ASSERT_TRUE(store_->Put(ColumnFamily::kJobs, "2", "b").ok());
  Transaction transaction = other->BeginTransaction();
  transaction.Put(ColumnFamily::kJobs, "2", "b");
  transaction.Put(ColumnFamily::kJobs, "1", "x");
  transaction.Put(ColumnFamily::kJobs, "1", "a");
  ASSERT_TRUE(transaction.Commit().ok());
  EXPECT_EQ(*Digest(*store_), *Digest(*other));

  ASSERT_TRUE(other->Put(ColumnFamily::kJobs, "2", "c").ok());
  EXPECT_NE(*Digest(*store_), *Digest(*other));
  ASSERT_TRUE(other->Put(ColumnFamily::kJobs, "2", "b").ok());
  // Same bytes, other framing: key "1" + value "a" vs key "1a" + empty value.
  ASSERT_TRUE(other->Delete(ColumnFamily::kJobs, "1").ok());
  ASSERT_TRUE(other->Put(ColumnFamily::kJobs, "1a", "").ok());
  EXPECT_NE(*Digest(*store_), *Digest(*other));
}

TEST_F(SnapshotTest, EveryCorruptedByteIsDetected) {
  Fill(3);
  const std::string good = ReadFile(Export());
  for (size_t offset = 0; offset < good.size(); ++offset) {
    std::string bad = good;
    bad[offset] = static_cast<char>(bad[offset] ^ 0x20);
    ExpectCorruption(bad, "byte " + std::to_string(offset));
  }
}

TEST_F(SnapshotTest, EveryTruncationIsDetected) {
  Fill(3);
  const std::string good = ReadFile(Export());
  for (size_t length = 0; length < good.size(); ++length) {
    ExpectCorruption(good.substr(0, length), "length " + std::to_string(length));
  }
}

TEST_F(SnapshotTest, WrongMagicIsRefused) {
  Fill(3);
  std::string bad = ReadFile(Export());
  bad.replace(0, 8, "ZEEBEDB!");
  ExpectCorruption(Reseal(bad), "magic", "bad magic");
}

TEST_F(SnapshotTest, UnknownVersionIsRefused) {
  Fill(3);
  std::string bad = ReadFile(Export());
  bad.replace(8, 4, std::string("\0\0\0\x02", 4));
  ExpectCorruption(Reseal(bad), "version", "unsupported snapshot version");
}

TEST_F(SnapshotTest, RandomDamageIsDetectedWithoutCrashing) {
  Fill(20);
  const std::string good = ReadFile(Export());
  std::mt19937 random(3);
  for (int i = 0; i < 300; ++i) {
    std::string bad = good;
    const int edits = 1 + static_cast<int>(random() % 4);
    for (int e = 0; e < edits; ++e) {
      const size_t at = random() % bad.size();
      switch (random() % 3) {
        case 0: bad[at] = static_cast<char>(random()); break;
        case 1: bad.erase(at, 1 + random() % 16); break;
        default: bad.insert(at, std::string(1 + random() % 16, static_cast<char>(random())));
      }
    }
    if (bad == good) continue;
    ExpectCorruption(bad, "damage " + std::to_string(i));
  }
}

TEST_F(SnapshotTest, LargeStateRoundTrips) {
  // Larger than the export's write buffer and the restore's batch size.
  Transaction transaction = store_->BeginTransaction();
  for (int i = 0; i < 12; ++i) {
    transaction.Put(ColumnFamily::kVariables, "big-" + std::to_string(i),
                    std::string(1 << 20, static_cast<char>('a' + i)));
  }
  ASSERT_TRUE(transaction.Commit().ok());
  const std::string file = Export();
  ASSERT_TRUE(RestoreSnapshot(file, dir_.Path("follower")).ok());
  auto restored = OpenStore(dir_.Path("follower"));
  EXPECT_EQ(*Digest(*restored), *Digest(*store_));
  EXPECT_EQ(Collect(*restored, ColumnFamily::kVariables).size(), 12u);
}

TEST_F(SnapshotTest, ExportReplacesAnEarlierSnapshot) {
  Fill(3);
  const std::string file = Export();
  ASSERT_TRUE(store_->Put(ColumnFamily::kJobs, "later", "change").ok());
  ASSERT_EQ(Export(), file);
  ASSERT_TRUE(RestoreSnapshot(file, dir_.Path("follower")).ok());
  auto restored = OpenStore(dir_.Path("follower"));
  EXPECT_EQ(*restored->Get(ColumnFamily::kJobs, "later"), "change");
}

TEST_F(SnapshotTest, WrongCountIsRefusedEvenWithAMatchingChecksum) {
  Fill(3);
  const std::string good = ReadFile(Export());
  // Fill(3) writes 3 instances, 3 variables, the key generator and the position.
  const std::pair<uint64_t, const char*> counts[] = {{0, "bytes left after"},
                                                     {7, "bytes left after"},
                                                     {9, "truncated"},
                                                     {UINT64_MAX, "truncated"}};
  for (const auto& [count, reason] : counts) {
    std::string bad = good;
    bad.replace(kCountOffset, 8, Uint64Bytes(count));
    ExpectCorruption(Reseal(bad), "count " + std::to_string(count), reason);
  }
  std::string exact = good;
  exact.replace(kCountOffset, 8, Uint64Bytes(8));
  EXPECT_EQ(Reseal(exact), good);  // 8 is the true count: the checks above were meaningful
}

TEST_F(SnapshotTest, UnorderedKeysAreRefusedEvenWithAMatchingChecksum) {
  ASSERT_TRUE(store_->Put(ColumnFamily::kJobs, "a", "1").ok());
  ASSERT_TRUE(store_->Put(ColumnFamily::kJobs, "b", "2").ok());
  std::string bad = ReadFile(Export());
  // Entries: [len 2]["\x0Ba"][len 1]["1"] then [len 2]["\x0Bb"]...: make the second key "a".
  const size_t second_key = kHeaderSize + (4 + 2 + 4 + 1) + 4 + 1;
  ASSERT_EQ(bad[second_key], 'b');
  bad[second_key] = 'a';
  ExpectCorruption(Reseal(bad), "duplicate key", "not strictly ascending");
}

TEST_F(SnapshotTest, RestoreRefusesANonEmptyDirectoryAndLeavesItAlone) {
  Fill(3);
  const std::string file = Export();
  const std::string target = dir_.Path("occupied");
  fs::create_directories(target);
  WriteFile(target + "/keep", "mine");
  EXPECT_EQ(RestoreSnapshot(file, target).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(ReadFile(target + "/keep"), "mine");
  EXPECT_EQ(std::distance(fs::directory_iterator(target), fs::directory_iterator()), 1);
}

TEST_F(SnapshotTest, RestoreRefusesARegularFileAsTarget) {
  const std::string file = Export();
  const std::string target = dir_.Path("a-file");
  WriteFile(target, "");
  EXPECT_EQ(RestoreSnapshot(file, target).code(), Status::Code::kInvalidArgument);
  EXPECT_TRUE(fs::is_regular_file(target));
}

TEST_F(SnapshotTest, RestoreIntoAnExistingEmptyDirectoryWorks) {
  Fill(3);
  const std::string file = Export();
  const std::string target = dir_.Path("empty");
  fs::create_directories(target);
  ASSERT_TRUE(RestoreSnapshot(file, target).ok());
  auto restored = OpenStore(target);
  EXPECT_EQ(*Digest(*restored), *Digest(*store_));
}

TEST_F(SnapshotTest, MissingFileIsAnIOError) {
  EXPECT_EQ(RestoreSnapshot(dir_.Path("absent"), dir_.Path("restored")).code(),
            Status::Code::kIOError);
  EXPECT_FALSE(fs::exists(dir_.Path("restored")));
}

}  // namespace
}  // namespace waggle::engine::state
