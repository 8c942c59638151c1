// Snapshots (§7): chunked transfer to a follower whose entries the leader
// compacted, resumption, and installation on the follower.
#include <gtest/gtest.h>

#include "tests/raft/entries.h"
#include "tests/raft/test_network.h"

namespace waggle::raft::testing {
namespace {

Message snapshot_chunk(SnapshotMeta meta, const std::string& data, uint64_t offset, size_t length) {
  Message m;
  m.type = MessageType::kSnapshot;
  m.from = 2;
  m.to = 1;
  m.term = 1;
  m.snapshot = meta;
  m.snapshot_offset = offset;
  m.snapshot_size = data.size();
  m.snapshot_chunk = data.substr(offset, length);
  m.done = offset + length >= data.size();
  return m;
}

// Member 3 misses 20 entries that the leader then compacts away.
struct LaggingFollower : ::testing::Test {
  LaggingFollower() : net(3, [](Config& c) { c.max_snapshot_chunk_bytes = 16; }) {
    net.node(1).campaign();
    net.stabilize();
    net.isolate(3);
    for (int i = 0; i < 20; ++i) {
      EXPECT_TRUE(net.propose(1, "entry-" + std::to_string(i)).ok());
    }
    net.snapshot_and_compact(1);
    snapshot_size = net.storage(1).snapshot().data->size();
    net.heal();
    net.clear_sent();
  }
  TestNetwork net;
  size_t snapshot_size = 0;
};

TEST_F(LaggingFollower, CatchesUpThroughASnapshotSentInChunks) {
  net.tick(1, 3);
  const size_t chunks = net.count_sent(MessageType::kSnapshot);
  EXPECT_EQ(chunks, (snapshot_size + 15) / 16);
  EXPECT_GT(chunks, 1u);
  for (const Message& m : net.sent()) {
    if (m.type == MessageType::kSnapshot) {
      EXPECT_LE(m.snapshot_chunk.size(), 16u);
    }
  }
  EXPECT_EQ(net.storage(3).snapshot().meta, net.storage(1).snapshot().meta);
  EXPECT_EQ(net.applied(3), net.applied(1));
  // Appends resume after the snapshot.
  ASSERT_TRUE(net.propose(1, "after").ok());
  EXPECT_EQ(net.applied(3).back(), "after");
  EXPECT_EQ(net.applied(3), net.applied(1));
  EXPECT_STREQ(net.node(1).status().followers[1].state, "replicate");
}

TEST_F(LaggingFollower, TransferResumesAfterADroppedChunk) {
  bool dropped = false;
  net.set_drop([&dropped](const Message& m) {
    if (m.type != MessageType::kSnapshot || m.snapshot_offset != 32 || dropped) return false;
    dropped = true;
    return true;
  });
  net.tick(1, 10);
  EXPECT_TRUE(dropped);
  size_t sends_of_32 = 0;
  for (const Message& m : net.sent()) {
    sends_of_32 += m.type == MessageType::kSnapshot && m.snapshot_offset == 32 ? 1 : 0;
  }
  EXPECT_EQ(sends_of_32, 2u) << "the lost chunk is sent again, once";
  EXPECT_EQ(net.applied(3), net.applied(1));
  EXPECT_EQ(net.storage(3).snapshot().meta, net.storage(1).snapshot().meta);
}

TEST(SnapshotTest, FollowerAnswersAChunkAtTheWrongOffsetWithItsOwnOffset) {
  MemoryStorage storage;
  RawNode node(make_config(1, 3), &storage);
  const std::string data = "0123456789abcdefghij";
  const SnapshotMeta meta{.index = 5, .term = 1};
  ASSERT_TRUE(node.step(snapshot_chunk(meta, data, 0, 8)).ok());
  ASSERT_TRUE(node.step(snapshot_chunk(meta, data, 16, 4)).ok());  // 8..16 went missing
  Ready rd = persist_ready(node, storage);
  ASSERT_EQ(rd.messages_after_persist.size(), 2u);
  EXPECT_EQ(rd.messages_after_persist[0].snapshot_offset, 8u);
  EXPECT_EQ(rd.messages_after_persist[1].snapshot_offset, 8u);
  EXPECT_FALSE(rd.messages_after_persist[1].done);
  EXPECT_TRUE(rd.snapshot.empty());

  ASSERT_TRUE(node.step(snapshot_chunk(meta, data, 8, 12)).ok());
  rd = persist_ready(node, storage);
  ASSERT_FALSE(rd.snapshot.empty());
  EXPECT_EQ(*rd.snapshot.data, data);
  ASSERT_EQ(rd.messages_after_persist.size(), 1u);
  EXPECT_TRUE(rd.messages_after_persist[0].done);
  EXPECT_EQ(rd.messages_after_persist[0].index, 5u);
  EXPECT_EQ(storage.first_index(), 6u);
  EXPECT_EQ(node.status().applied, 5u);
}

TEST(SnapshotTest, NewerSnapshotRestartsAccumulation) {
  MemoryStorage storage;
  RawNode node(make_config(1, 3), &storage);
  const std::string old_data = "aaaaaaaaaa";
  const std::string new_data = "bbbbbbbbbbbb";
  ASSERT_TRUE(node.step(snapshot_chunk({.index = 5, .term = 1}, old_data, 0, 6)).ok());
  ASSERT_TRUE(node.step(snapshot_chunk({.index = 9, .term = 1}, new_data, 0, 6)).ok());
  // A late chunk of the old snapshot must not mix into the new one.
  ASSERT_TRUE(node.step(snapshot_chunk({.index = 5, .term = 1}, old_data, 6, 4)).ok());
  ASSERT_TRUE(node.step(snapshot_chunk({.index = 9, .term = 1}, new_data, 6, 6)).ok());
  Ready rd = persist_ready(node, storage);
  ASSERT_FALSE(rd.snapshot.empty());
  EXPECT_EQ(rd.snapshot.meta.index, 9u);
  EXPECT_EQ(*rd.snapshot.data, new_data);
}

TEST(SnapshotTest, NewLeadersOlderSnapshotReplacesAPartialOneFromItsPredecessor) {
  MemoryStorage storage;
  RawNode node(make_config(1, 3), &storage);
  const std::string newer = "nnnnnnnnnn";
  const std::string older = "oooooooo";
  ASSERT_TRUE(node.step(snapshot_chunk({.index = 9, .term = 1}, newer, 0, 5)).ok());
  Message from_new_leader = snapshot_chunk({.index = 7, .term = 1}, older, 0, older.size());
  from_new_leader.from = 3;
  from_new_leader.term = 2;
  ASSERT_TRUE(node.step(from_new_leader).ok());
  Ready rd = persist_ready(node, storage);
  ASSERT_FALSE(rd.snapshot.empty());
  EXPECT_EQ(rd.snapshot.meta.index, 7u);
  EXPECT_EQ(*rd.snapshot.data, older);
}

TEST(SnapshotTest, FollowerKeepsEntriesPastASnapshotItsLogAlreadyMatches) {
  MemoryStorage storage;
  ASSERT_TRUE(storage.append(log_of_terms({1, 1, 1, 1, 1, 1, 1, 1})).ok());
  storage.set_hard_state({.term = 1, .vote = kNoNode, .commit = 0});
  RawNode node(make_config(1, 3), &storage);
  const std::string data = "image";
  ASSERT_TRUE(node.step(snapshot_chunk({.index = 5, .term = 1}, data, 0, data.size())).ok());
  Ready rd = persist_ready(node, storage);
  EXPECT_TRUE(rd.snapshot.empty()) << "nothing to install: the log holds it all";
  EXPECT_EQ(rd.committed_entries.size(), 5u) << "entries 1..5 apply from the log";
  EXPECT_EQ(node.status().last_index, 8u);
  EXPECT_EQ(node.status().commit, 5u);
  EXPECT_EQ(storage.last_index(), 8u);
  ASSERT_EQ(rd.messages_after_persist.size(), 1u);
  EXPECT_TRUE(rd.messages_after_persist[0].done);
  EXPECT_EQ(rd.messages_after_persist[0].index, 5u);
}

TEST(SnapshotTest, SnapshotReplacesAConflictingLog) {
  MemoryStorage storage;
  ASSERT_TRUE(storage.append(log_of_terms({1, 1, 1})).ok());
  storage.set_hard_state({.term = 2, .vote = kNoNode, .commit = 1});
  RawNode node(make_config(1, 3), &storage);
  Message m = snapshot_chunk({.index = 5, .term = 2}, "image", 0, 5);
  m.term = 2;
  ASSERT_TRUE(node.step(m).ok());
  Ready rd = persist_ready(node, storage);
  ASSERT_FALSE(rd.snapshot.empty());
  EXPECT_TRUE(rd.committed_entries.empty());
  EXPECT_EQ(storage.first_index(), 6u);
  EXPECT_EQ(storage.last_index(), 5u);
  const NodeStatus status = node.status();
  EXPECT_EQ(status.commit, 5u);
  EXPECT_EQ(status.applied, 5u);
  EXPECT_EQ(status.snapshot_index, 5u);
}

}  // namespace
}  // namespace waggle::raft::testing
