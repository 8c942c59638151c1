#include <fstream>

#include <gtest/gtest.h>

#include "replication/journal/file.h"
#include "replication/journal/meta_store.h"
#include "replication/journal/snapshot_store.h"
#include "tests/journal/temp_dir.h"

namespace waggle::journal {
namespace {

void WriteRaw(const std::string& path, const std::string& contents) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << contents;
}

std::string ReadRaw(const std::string& path) {
  std::string contents;
  EXPECT_TRUE(ReadFile(path, &contents).ok());
  return contents;
}

TEST(MetaStoreTest, AbsentHardStateIsZero) {
  TempDir dir;
  auto state = LoadHardState(dir.path());
  ASSERT_TRUE(state.ok()) << state.status().ToString();
  EXPECT_EQ(*state, raft::HardState{});
}

TEST(MetaStoreTest, SavedHardStateLoadsBackAndReplacesThePreviousOne) {
  TempDir dir;
  ASSERT_TRUE(SaveHardState(dir.path(), {3, 2, 17}, true).ok());
  ASSERT_TRUE(SaveHardState(dir.path(), {4, 1, 20}, true).ok());
  auto state = LoadHardState(dir.path());
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(*state, (raft::HardState{4, 1, 20}));
}

TEST(MetaStoreTest, LeftoverTempFileDoesNotReplaceTheHardState) {
  TempDir dir;
  ASSERT_TRUE(SaveHardState(dir.path(), {3, 2, 17}, true).ok());
  WriteRaw(JoinPath(dir.path(), "hard_state.tmp"), "half-written");
  auto state = LoadHardState(dir.path());
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(*state, (raft::HardState{3, 2, 17}));
}

TEST(MetaStoreTest, DamagedHardStateIsCorruptionNotZero) {
  TempDir dir;
  ASSERT_TRUE(SaveHardState(dir.path(), {3, 2, 17}, true).ok());
  const std::string path = JoinPath(dir.path(), kHardStateFileName);
  std::string contents = ReadRaw(path);
  contents[9] ^= 0x01;  // inside the term
  WriteRaw(path, contents);
  EXPECT_EQ(LoadHardState(dir.path()).status().code(), Status::Code::kCorruption);
}

raft::Snapshot MakeSnapshot(raft::Index index, raft::Term term, std::string data) {
  return {{index, term}, std::make_shared<const std::string>(std::move(data))};
}

TEST(SnapshotStoreTest, AbsentSnapshotIsEmpty) {
  TempDir dir;
  auto snapshot = LoadSnapshot(dir.path());
  ASSERT_TRUE(snapshot.ok());
  EXPECT_TRUE(snapshot->empty());
}

TEST(SnapshotStoreTest, SavedSnapshotLoadsBack) {
  TempDir dir;
  ASSERT_TRUE(
      SaveSnapshot(dir.path(), MakeSnapshot(42, 7, std::string(5000, 'x') + "end"), false).ok());
  auto snapshot = LoadSnapshot(dir.path());
  ASSERT_TRUE(snapshot.ok()) << snapshot.status().ToString();
  EXPECT_EQ(snapshot->meta, (raft::SnapshotMeta{42, 7}));
  EXPECT_EQ(*snapshot->data, std::string(5000, 'x') + "end");
}

TEST(SnapshotStoreTest, DamagedSnapshotDataIsCorruption) {
  TempDir dir;
  ASSERT_TRUE(SaveSnapshot(dir.path(), MakeSnapshot(42, 7, "state machine image"), true).ok());
  const std::string path = JoinPath(dir.path(), kSnapshotFileName);
  std::string contents = ReadRaw(path);
  contents.back() ^= 0x20;
  WriteRaw(path, contents);
  EXPECT_EQ(LoadSnapshot(dir.path()).status().code(), Status::Code::kCorruption);
}

TEST(SnapshotStoreTest, TruncatedSnapshotIsCorruption) {
  TempDir dir;
  ASSERT_TRUE(SaveSnapshot(dir.path(), MakeSnapshot(42, 7, "state machine image"), true).ok());
  const std::string path = JoinPath(dir.path(), kSnapshotFileName);
  std::string contents = ReadRaw(path);
  contents.pop_back();
  WriteRaw(path, contents);
  EXPECT_EQ(LoadSnapshot(dir.path()).status().code(), Status::Code::kCorruption);
}

}  // namespace
}  // namespace waggle::journal
