// Log replication (§5.3), commitment (§5.4.2, figure 8) and flow control.
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/raft/entries.h"
#include "tests/raft/test_network.h"

namespace waggle::raft::testing {
namespace {

Message append(NodeId from, NodeId to, Term term, Index prev_index, Term prev_term,
               std::vector<Entry> entries, Index commit) {
  Message m;
  m.type = MessageType::kAppend;
  m.from = from;
  m.to = to;
  m.term = term;
  m.index = prev_index;
  m.log_term = prev_term;
  m.entries = std::move(entries);
  m.commit = commit;
  return m;
}

// A follower (member 1 of 3) whose storage holds a log with these terms.
struct Follower {
  explicit Follower(const std::vector<Term>& terms, Term term = 1) {
    EXPECT_TRUE(storage.append(log_of_terms(terms)).ok());
    storage.set_hard_state({.term = term, .vote = kNoNode, .commit = 0});
    node = std::make_unique<RawNode>(make_config(1, 3), &storage);
  }
  Message step_and_answer(const Message& m) {
    EXPECT_TRUE(node->step(m).ok());
    Ready rd = persist_ready(*node, storage);
    EXPECT_EQ(rd.messages_after_persist.size(), 1u);
    return rd.messages_after_persist.empty() ? Message() : rd.messages_after_persist.back();
  }
  MemoryStorage storage;
  std::unique_ptr<RawNode> node;
};

TEST(ReplicationTest, NewLeaderAppendsANoOpOfItsTerm) {
  TestNetwork net(3);
  const NodeId leader = net.tick_until_leader();
  ASSERT_NE(leader, kNoNode);
  const NodeStatus status = net.node(leader).status();
  for (NodeId id : net.ids()) {
    std::vector<Entry> entries;
    ASSERT_TRUE(
        net.storage(id).entries(status.last_index, status.last_index + 1, 1000, &entries).ok());
    EXPECT_EQ(entries[0].type, EntryType::kNoOp);
    EXPECT_EQ(entries[0].term, status.term);
    EXPECT_EQ(net.node(id).status().commit, status.last_index);
  }
}

TEST(ReplicationTest, ProposalsCommitAndApplyInOrderOnEveryMember) {
  TestNetwork net(5);
  const NodeId leader = net.tick_until_leader();
  ASSERT_NE(leader, kNoNode);
  std::vector<std::string> expected;
  for (int i = 0; i < 20; ++i) {
    expected.push_back("e" + std::to_string(i));
    ASSERT_TRUE(net.propose(leader, expected.back()).ok());
  }
  net.tick_all();
  for (NodeId id : net.ids()) EXPECT_EQ(net.applied(id), expected) << "member " << id;
  const NodeId follower = leader == 1 ? 2 : 1;
  const Status refused = net.node(follower).propose({"x"}).status();
  EXPECT_EQ(refused.code(), Status::Code::kNotLeader);
  EXPECT_EQ(refused.leader_hint(), leader);
}

TEST(ReplicationTest, FollowerRejectsAppendWhosePreviousEntryDoesNotMatch) {
  Follower f({1, 1});
  Message reply = f.step_and_answer(append(2, 1, 2, 2, 2, {make_entry(3, 2)}, 0));
  EXPECT_EQ(reply.type, MessageType::kAppendResponse);
  EXPECT_TRUE(reply.reject);
  EXPECT_EQ(reply.index, 2u);
  reply = f.step_and_answer(append(2, 1, 2, 5, 2, {make_entry(6, 2)}, 0));
  EXPECT_TRUE(reply.reject);
  EXPECT_EQ(reply.reject_hint, 2u) << "our log ends at 2";
  EXPECT_EQ(reply.log_term, 1u);
  EXPECT_EQ(f.storage.last_index(), 2u);
}

TEST(ReplicationTest, FollowerTruncatesAConflictingSuffix) {
  Follower f({1, 1, 1, 1});
  const Message reply = f.step_and_answer(append(2, 1, 2, 1, 1, {make_entry(2, 2, "new")}, 0));
  EXPECT_FALSE(reply.reject);
  EXPECT_EQ(reply.index, 2u);
  EXPECT_EQ(f.storage.last_index(), 2u);
  EXPECT_EQ(*f.storage.term(2), 2u);
}

TEST(ReplicationTest, FollowerCommitIsMinOfLeaderCommitAndLastNewEntry) {
  Follower f({1, 1, 1, 1});
  // Entries 2..4 may conflict with the leader's: an append that only
  // vouches for index 1 must not commit them, whatever the leader's commit.
  f.step_and_answer(append(2, 1, 1, 1, 1, {}, 4));
  EXPECT_EQ(f.node->status().commit, 1u);
  f.step_and_answer(append(2, 1, 1, 1, 1, {make_entry(2, 1)}, 4));
  EXPECT_EQ(f.node->status().commit, 2u);
  f.step_and_answer(append(2, 1, 1, 0, 0, {}, 4));
  EXPECT_EQ(f.node->status().commit, 2u) << "commit never moves back";
}

TEST(ReplicationTest, FastBacktrackingSkipsAConflictingTermInOneRoundTrip) {
  TestNetwork net(3, [](Config& c) { c.check_quorum = false; });
  net.node(1).campaign();
  net.stabilize();
  // The old leader, cut off, piles up 50 entries nobody else has.
  net.isolate(1);
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(net.propose(1, "stale").ok());
  net.node(2).campaign();
  net.stabilize();
  ASSERT_EQ(net.node(2).status().role, Role::kLeader);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(net.propose(2, "fresh").ok());
  // A leader elected now starts probing member 1 at its own last index,
  // deep inside member 1's conflicting entries.
  net.node(3).campaign();
  net.stabilize();
  ASSERT_EQ(net.node(3).status().role, Role::kLeader);
  net.heal();
  net.clear_sent();
  net.tick(3, 3);
  size_t rejections = 0;
  for (const Message& m : net.sent()) {
    rejections += m.type == MessageType::kAppendResponse && m.from == 1 && m.reject ? 1 : 0;
  }
  EXPECT_GE(rejections, 1u);
  EXPECT_LE(rejections, 2u) << "one rejection per conflicting term, not per entry";
  EXPECT_EQ(net.applied(1), net.applied(3));
  EXPECT_EQ(net.applied(1).size(), 5u);
  EXPECT_EQ(net.storage(1).last_index(), net.storage(3).last_index());
}

TEST(ReplicationTest, ProbeStateSendsOneAppendUntilTheFollowerAnswers) {
  TestNetwork net(3);
  net.isolate(3);
  net.node(1).campaign();
  net.stabilize();
  ASSERT_EQ(net.leader(), 1u);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(net.propose(1, "x").ok());
  size_t appends_to_3 = 0;
  for (const Message& m : net.sent()) {
    appends_to_3 += m.type == MessageType::kAppend && m.to == 3 ? 1 : 0;
  }
  EXPECT_EQ(appends_to_3, 1u) << "probing: the first append is still unanswered";
  EXPECT_STREQ(net.node(1).status().followers[1].state, "probe");
  net.heal();
  net.tick(1);
  EXPECT_STREQ(net.node(1).status().followers[1].state, "replicate");
  EXPECT_EQ(net.applied(3).size(), 5u);
}

TEST(ReplicationTest, ReplicateStatePipelinesUpToMaxInflightAppends) {
  TestNetwork net(3, [](Config& c) { c.max_inflight = 3; });
  net.node(1).campaign();
  net.stabilize();
  // Member 2 receives but its answers are lost.
  net.set_drop([](const Message& m) { return m.from == 2 && m.to == 1; });
  net.clear_sent();
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(net.propose(1, "x").ok());
  size_t appends_to_2 = 0;
  for (const Message& m : net.sent()) {
    appends_to_2 += m.type == MessageType::kAppend && m.to == 2 && !m.entries.empty() ? 1 : 0;
  }
  EXPECT_EQ(appends_to_2, 3u);
  EXPECT_STREQ(net.node(1).status().followers[0].state, "replicate");
  EXPECT_EQ(net.node(2).status().last_index, net.node(1).status().last_index - 7)
      << "member 2 holds exactly the pipelined entries";
}

TEST(ReplicationTest, AppendsAreBatchedUpToMaxAppendBytes) {
  const size_t max_bytes = 100;
  TestNetwork net(3, [&](Config& c) { c.max_append_bytes = max_bytes; });
  net.node(1).campaign();
  net.stabilize();
  net.isolate(3);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(net.propose(1, "0123456789").ok());  // 34 bytes each
  net.heal();
  net.clear_sent();
  net.tick(1, 3);
  size_t multi_entry = 0;
  for (const Message& m : net.sent()) {
    if (m.type != MessageType::kAppend || m.to != 3 || m.entries.size() <= 1) continue;
    ++multi_entry;
    size_t bytes = 0;
    for (const Entry& e : m.entries) bytes += e.size();
    EXPECT_LE(bytes, max_bytes);
  }
  EXPECT_GT(multi_entry, 0u);
  EXPECT_EQ(net.applied(3).size(), 10u);
}

// Figure 8 of the Raft paper: an entry of an earlier term stored on a
// majority can still be overwritten, so a leader must not count replicas of
// it to commit it.
TEST(ReplicationTest, Figure8OldTermEntryOnMajorityIsNotCommitted) {
  TestNetwork net(5, [](Config& c) {
    c.pre_vote = false;
    c.check_quorum = false;
    c.max_append_bytes = 1;  // one entry per append
  });
  auto elect = [&net](NodeId id) {
    for (int i = 0; i < 5 && net.leader() != id; ++i) {
      net.node(id).campaign();
      net.stabilize();
    }
    ASSERT_EQ(net.leader(), id);
  };
  // (a) S1 leads and replicates index 2 to S2 only.
  elect(1);
  ASSERT_EQ(net.node(1).status().commit, 1u);
  for (NodeId id : {3, 4, 5}) net.cut(1, id);
  ASSERT_TRUE(net.propose(1, "s1").ok());
  const Term s1_term = net.node(1).status().term;
  // (b) S1 crashes; S5 wins with S3 and S4 and stores its own index 2.
  net.heal();
  net.isolate(1);
  net.set_drop([](const Message& m) { return m.from == 5 && m.type != MessageType::kVote; });
  elect(5);
  ASSERT_EQ(net.node(5).status().last_index, 2u);
  // (c) S5 crashes; S1 returns, leads in a new term and gets index 2 onto a
  // majority, while its entry of the current term (index 3) reaches nobody.
  net.heal();
  net.isolate(5);
  net.restart(1);
  net.set_drop([&net](const Message& m) {
    const bool carries_3 = std::any_of(m.entries.begin(), m.entries.end(),
                                       [](const Entry& e) { return e.index == 3; });
    return m.from == 1 && m.type == MessageType::kAppend && carries_3 &&
           net.storage(m.to).last_index() >= 2;
  });
  elect(1);
  net.tick_all(3);
  size_t replicas = 0;
  for (NodeId id : net.ids())
    replicas += net.storage(id).term(2).ok() && *net.storage(id).term(2) == s1_term;
  EXPECT_GE(replicas, 3u) << "index 2 of S1's old term sits on a majority";
  EXPECT_EQ(net.node(1).status().commit, 1u) << "...and still is not committed";
  // (d) Had it been, this would lose a committed entry: S5 returns, wins
  // with its newer-term index 2 and overwrites it everywhere.
  net.heal();
  net.isolate(1);
  net.restart(5);
  elect(5);
  net.tick_all(3);
  for (NodeId id : {2, 3, 4, 5}) {
    EXPECT_NE(*net.storage(id).term(2), s1_term) << "member " << id;
    EXPECT_GE(net.node(id).status().commit, 2u);
  }
}

TEST(ReplicationTest, OldLeaderInMinorityCannotCommitAndIsOverwrittenWhenHealed) {
  TestNetwork net(5);
  net.node(1).campaign();
  net.stabilize();
  ASSERT_TRUE(net.propose(1, "committed").ok());
  for (NodeId a : {1, 2}) {
    for (NodeId b : {3, 4, 5}) net.cut(a, b);
  }
  const Index commit_before = net.node(1).status().commit;
  ASSERT_TRUE(net.propose(1, "lost").ok());
  ASSERT_TRUE(net.propose(1, "lost").ok());
  net.tick(1, 5);
  EXPECT_EQ(net.node(1).status().commit, commit_before);
  net.node(3).campaign();
  net.stabilize();
  ASSERT_EQ(net.node(3).status().role, Role::kLeader);
  ASSERT_TRUE(net.propose(3, "new").ok());
  net.heal();
  net.tick(3, 3);
  EXPECT_EQ(net.node(1).status().role, Role::kFollower);
  EXPECT_EQ(net.node(1).status().leader, 3u);
  const std::vector<std::string> expected{"committed", "new"};
  for (NodeId id : net.ids()) {
    EXPECT_EQ(net.applied(id), expected) << "member " << id;
    EXPECT_EQ(net.storage(id).last_index(), net.storage(3).last_index());
  }
}

TEST(ReplicationTest, ReportUnreachableMovesAReplicatingFollowerBackToProbe) {
  TestNetwork net(3);
  net.node(1).campaign();
  net.stabilize();
  ASSERT_STREQ(net.node(1).status().followers[0].state, "replicate");
  net.node(1).report_unreachable(2);
  EXPECT_STREQ(net.node(1).status().followers[0].state, "probe");
  net.tick(1);
  EXPECT_STREQ(net.node(1).status().followers[0].state, "replicate");
}

}  // namespace
}  // namespace waggle::raft::testing
