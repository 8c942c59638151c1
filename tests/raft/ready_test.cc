// RawNode's Ready contract: what goes out before and after persistence, when
// committed entries are handed out, and status().
#include <gtest/gtest.h>

#include "tests/raft/test_network.h"

namespace waggle::raft::testing {
namespace {

std::vector<std::string> one(std::string data) {
  std::vector<std::string> out;
  out.push_back(std::move(data));
  return out;
}

TEST(ReadyTest, LeaderSendsAppendsBeforePersistingAndFollowersAnswerAfter) {
  TestNetwork net(3);
  net.node(1).campaign();
  net.stabilize();
  ASSERT_TRUE(net.node(1).propose(one("x")).ok());
  Ready rd = persist_ready(net.node(1), net.storage(1));
  ASSERT_EQ(rd.entries.size(), 1u);
  EXPECT_TRUE(rd.must_sync);
  ASSERT_EQ(rd.messages.size(), 2u) << "appends go out while the leader persists";
  for (const Message& m : rd.messages) {
    EXPECT_EQ(m.type, MessageType::kAppend);
    EXPECT_EQ(m.entries, rd.entries);
  }
  EXPECT_TRUE(rd.messages_after_persist.empty());

  ASSERT_TRUE(net.node(2).step(rd.messages[0]).ok());
  Ready follower = persist_ready(net.node(2), net.storage(2));
  EXPECT_TRUE(follower.messages.empty());
  ASSERT_EQ(follower.messages_after_persist.size(), 1u);
  EXPECT_EQ(follower.messages_after_persist[0].type, MessageType::kAppendResponse);
  EXPECT_EQ(follower.messages_after_persist[0].index, rd.entries[0].index);
}

TEST(ReadyTest, SingleMemberCommitsItsEntriesOnlyOnceTheyArePersisted) {
  MemoryStorage storage;
  RawNode node(make_config(1, 1), &storage);
  node.campaign();
  Ready first = persist_ready(node, storage);
  ASSERT_EQ(first.entries.size(), 1u);
  EXPECT_EQ(first.entries[0].type, EntryType::kNoOp);
  EXPECT_TRUE(first.committed_entries.empty());
  EXPECT_EQ(node.status().commit, 1u) << "advance() made the leader's own copy count";
  Ready second = persist_ready(node, storage);
  EXPECT_EQ(second.committed_entries, first.entries);
  EXPECT_EQ(second.hard_state->commit, 1u);
  EXPECT_FALSE(node.has_ready());
}

TEST(ReadyTest, FollowerAppliesAnEntryOnlyAfterItWasPersisted) {
  MemoryStorage storage;
  RawNode node(make_config(1, 3), &storage);
  Message m;
  m.type = MessageType::kAppend;
  m.from = 2;
  m.to = 1;
  m.term = 1;
  Entry entry;
  entry.term = 1;
  entry.index = 1;
  entry.data = "x";
  m.entries = {entry};
  m.commit = 1;  // the leader already committed it
  ASSERT_TRUE(node.step(m).ok());
  EXPECT_EQ(node.status().commit, 1u);
  Ready first = persist_ready(node, storage);
  EXPECT_EQ(first.entries, m.entries);
  EXPECT_TRUE(first.committed_entries.empty()) << "not durable here yet";
  Ready second = persist_ready(node, storage);
  EXPECT_EQ(second.committed_entries, m.entries);
}

TEST(ReadyTest, CommittedEntriesAreLimitedByMaxCommittedBytes) {
  Config config = make_config(1, 1);
  config.max_committed_bytes = 100;
  MemoryStorage storage;
  RawNode node(config, &storage);
  node.campaign();
  persist_ready(node, storage);
  persist_ready(node, storage);
  ASSERT_TRUE(
      node.propose(std::vector<std::string>(6, std::string(40, 'x'))).ok());  // 64 bytes each
  persist_ready(node, storage);
  std::vector<Entry> applied;
  int readys = 0;
  while (node.has_ready() && readys < 20) {
    Ready rd = persist_ready(node, storage);
    EXPECT_LE(rd.committed_entries.size(), 1u);
    applied.insert(applied.end(), rd.committed_entries.begin(), rd.committed_entries.end());
    ++readys;
  }
  ASSERT_EQ(applied.size(), 6u);
  for (size_t i = 0; i < applied.size(); ++i) EXPECT_EQ(applied[i].index, i + 2);
  EXPECT_EQ(node.status().applied, 7u);
}

TEST(ReadyTest, HardStateAppearsOnlyWhenItChanges) {
  MemoryStorage storage;
  RawNode node(make_config(1, 1), &storage);
  EXPECT_FALSE(node.has_ready());
  node.campaign();
  Ready rd = persist_ready(node, storage);
  ASSERT_TRUE(rd.soft_state.has_value());
  EXPECT_EQ(rd.soft_state->role, Role::kLeader);
  ASSERT_TRUE(rd.hard_state.has_value());
  persist_ready(node, storage);  // the commit of the no-op
  node.tick();
  EXPECT_FALSE(node.has_ready());
  ASSERT_TRUE(node.propose(one("a")).ok());
  rd = persist_ready(node, storage);
  EXPECT_FALSE(rd.hard_state.has_value());
  EXPECT_FALSE(rd.soft_state.has_value());
}

TEST(ReadyTest, RestartedMemberResumesFromStorageWithoutReapplying) {
  TestNetwork net(1);
  ASSERT_EQ(net.tick_until_leader(), 1u);
  ASSERT_TRUE(net.propose(1, "a").ok());
  ASSERT_TRUE(net.propose(1, "b").ok());
  const NodeStatus before = net.node(1).status();
  Config config = make_config(1, 1);
  config.applied = before.applied;
  RawNode restarted(config, &net.storage(1));
  const NodeStatus after = restarted.status();
  EXPECT_EQ(after.term, before.term);
  EXPECT_EQ(after.commit, before.commit);
  EXPECT_EQ(after.last_index, before.last_index);
  EXPECT_FALSE(restarted.has_ready());
}

TEST(ReadyTest, StatusDescribesTheLeaderAndItsFollowers) {
  TestNetwork net(3);
  net.node(2).campaign();
  net.stabilize();
  ASSERT_TRUE(net.propose(2, "a").ok());
  const NodeStatus status = net.node(2).status();
  EXPECT_EQ(status.id, 2u);
  EXPECT_EQ(status.role, Role::kLeader);
  EXPECT_EQ(status.leader, 2u);
  EXPECT_EQ(status.term, 1u);
  EXPECT_EQ(status.last_index, 2u);
  EXPECT_EQ(status.commit, 2u);
  EXPECT_EQ(status.applied, 2u);
  ASSERT_EQ(status.followers.size(), 2u);
  EXPECT_EQ(status.followers[0].id, 1u);
  EXPECT_EQ(status.followers[1].id, 3u);
  for (const auto& follower : status.followers) {
    EXPECT_EQ(follower.match, 2u);
    EXPECT_EQ(follower.next, 3u);
    EXPECT_STREQ(follower.state, "replicate");
  }
  EXPECT_TRUE(net.node(1).status().followers.empty());
}

TEST(ReadyTest, SameInputsProduceTheSameMessages) {
  auto run = [] {
    TestNetwork net(5, [](Config& c) { c.random_seed = 7; });
    const NodeId leader = net.tick_until_leader();
    for (int i = 0; i < 5; ++i) EXPECT_TRUE(net.propose(leader, "x").ok());
    net.isolate(leader);
    net.tick_all(40);
    return net.sent();
  };
  const std::vector<Message> first = run();
  EXPECT_GT(first.size(), 50u);
  EXPECT_EQ(first, run());
}

TEST(ReadyTest, MisaddressedMessagesAreRefused) {
  MemoryStorage storage;
  RawNode node(make_config(1, 3), &storage);
  Message m;
  m.type = MessageType::kHeartbeat;
  m.from = 2;
  m.to = 3;
  m.term = 1;
  EXPECT_EQ(node.step(m).code(), Status::Code::kInvalidArgument);
  m.to = 1;
  m.from = 7;
  EXPECT_EQ(node.step(m).code(), Status::Code::kInvalidArgument);
  EXPECT_FALSE(node.has_ready());
}

}  // namespace
}  // namespace waggle::raft::testing
