// Leader election (§5.2, §5.4.1), pre-vote and check-quorum (thesis §9.6),
// priority election and leadership transfer (thesis §3.10).
#include <gtest/gtest.h>

#include <set>

#include "tests/raft/entries.h"
#include "tests/raft/test_network.h"

namespace waggle::raft::testing {
namespace {

Message vote_request(MessageType type, NodeId from, NodeId to, Term term, Index last_index,
                     Term last_term) {
  Message m;
  m.type = type;
  m.from = from;
  m.to = to;
  m.term = term;
  m.index = last_index;
  m.log_term = last_term;
  return m;
}

// The responses of `type` in a Ready, wherever they were routed.
std::vector<Message> find(const Ready& rd, MessageType type) {
  std::vector<Message> out;
  for (const auto* list : {&rd.messages, &rd.messages_after_persist}) {
    for (const Message& m : *list) {
      if (m.type == type) out.push_back(m);
    }
  }
  return out;
}

TEST(ElectionTest, SingleMemberElectsItselfOnTimeout) {
  TestNetwork net(1);
  EXPECT_EQ(net.tick_until_leader(), 1u);
  EXPECT_EQ(net.node(1).status().term, 1u);
}

TEST(ElectionTest, RandomizedTimeoutsElectExactlyOneLeader) {
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    TestNetwork net(3, [&](Config& c) { c.random_seed = seed; });
    const NodeId leader = net.tick_until_leader();
    ASSERT_NE(leader, kNoNode) << "seed " << seed;
    const Term term = net.node(leader).status().term;
    for (NodeId id : net.ids()) {
      const NodeStatus status = net.node(id).status();
      EXPECT_EQ(status.leader, leader);
      EXPECT_EQ(status.term, term);
      EXPECT_EQ(status.role == Role::kLeader, id == leader);
    }
  }
}

TEST(ElectionTest, ElectionTimeoutIsRandomizedWithinOneToTwoElectionTimeouts) {
  std::set<int> timeouts;
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    Config config = make_config(1, 3);
    config.random_seed = seed;
    config.pre_vote = false;
    MemoryStorage storage;
    RawNode node(config, &storage);
    int ticks = 0;
    while (node.status().role == Role::kFollower && ticks < 100) {
      node.tick();
      ++ticks;
    }
    EXPECT_GE(ticks, config.election_ticks);
    EXPECT_LT(ticks, 2 * config.election_ticks);
    timeouts.insert(ticks);
  }
  EXPECT_GT(timeouts.size(), 3u) << "timeouts should differ between seeds";
}

TEST(ElectionTest, CandidatePersistsTermAndVoteBeforeAskingForVotes) {
  Config config = make_config(1, 3);
  config.pre_vote = false;
  MemoryStorage storage;
  RawNode node(config, &storage);
  node.campaign();
  Ready rd = persist_ready(node, storage);
  ASSERT_TRUE(rd.hard_state.has_value());
  EXPECT_EQ(rd.hard_state->term, 1u);
  EXPECT_EQ(rd.hard_state->vote, 1u);
  EXPECT_TRUE(rd.must_sync);
  EXPECT_TRUE(rd.messages.empty()) << "vote requests depend on the persisted vote";
  ASSERT_EQ(rd.messages_after_persist.size(), 2u);
  for (const Message& m : rd.messages_after_persist) {
    EXPECT_EQ(m.type, MessageType::kVote);
    EXPECT_EQ(m.term, 1u);
  }
  EXPECT_EQ(storage.hard_state().vote, 1u);
}

TEST(ElectionTest, MemberGrantsOneVotePerTerm) {
  MemoryStorage storage;
  RawNode node(make_config(1, 3), &storage);
  ASSERT_TRUE(node.step(vote_request(MessageType::kVote, 2, 1, 1, 0, 0)).ok());
  ASSERT_TRUE(node.step(vote_request(MessageType::kVote, 3, 1, 1, 0, 0)).ok());
  ASSERT_TRUE(node.step(vote_request(MessageType::kVote, 2, 1, 1, 0, 0)).ok());
  Ready rd = persist_ready(node, storage);
  const std::vector<Message> replies = find(rd, MessageType::kVoteResponse);
  ASSERT_EQ(replies.size(), 3u);
  EXPECT_FALSE(replies[0].reject);
  EXPECT_TRUE(replies[1].reject) << "already voted for 2 in term 1";
  EXPECT_FALSE(replies[2].reject) << "a repeated request from the same candidate";
  EXPECT_EQ(rd.hard_state->vote, 2u);
  EXPECT_EQ(rd.messages.size(), 0u) << "a vote goes out only after it is persisted";
}

TEST(ElectionTest, VoteRequiresCandidateLogAtLeastAsUpToDate) {
  MemoryStorage storage;
  ASSERT_TRUE(storage.append(log_of_terms({1, 2, 2})).ok());
  storage.set_hard_state({.term = 2, .vote = kNoNode, .commit = 0});
  struct Case {
    Index last_index;
    Term last_term;
    bool granted;
  };
  for (const Case& c : {Case{3, 2, true}, Case{4, 2, true}, Case{2, 2, false}, Case{9, 1, false},
                        Case{1, 3, true}}) {
    RawNode node(make_config(1, 3), &storage);
    ASSERT_TRUE(
        node.step(vote_request(MessageType::kVote, 2, 1, 3, c.last_index, c.last_term)).ok());
    const std::vector<Message> replies = find(node.ready(), MessageType::kVoteResponse);
    ASSERT_EQ(replies.size(), 1u);
    EXPECT_EQ(!replies[0].reject, c.granted)
        << "candidate log ends at (" << c.last_index << ", term " << c.last_term << ")";
  }
}

TEST(ElectionTest, CandidateWithUpToDateLogWins) {
  TestNetwork net(3, [](Config& c) {
    c.pre_vote = false;
    c.check_quorum = false;
  });
  net.node(1).campaign();
  net.stabilize();
  ASSERT_EQ(net.leader(), 1u);
  // Member 3 misses the next entry, which commits on 1 and 2.
  net.cut(1, 3);
  ASSERT_TRUE(net.propose(1, "x").ok());
  ASSERT_EQ(net.applied(2), std::vector<std::string>{"x"});
  net.isolate(1);
  net.node(3).campaign();
  net.stabilize();
  EXPECT_NE(net.node(3).status().role, Role::kLeader) << "2 holds an entry 3 lacks";
  net.node(2).campaign();
  net.stabilize();
  EXPECT_EQ(net.leader(), 2u);
  EXPECT_EQ(net.applied(2), std::vector<std::string>{"x"});
}

TEST(ElectionTest, SplitVoteResolvesInALaterTerm) {
  TestNetwork net(4, [](Config& c) { c.pre_vote = false; });
  // 3 only hears 1 and 4 only hears 2: two votes each, three needed.
  net.set_drop([](const Message& m) {
    return m.type == MessageType::kVote &&
           ((m.from == 1 && m.to == 4) || (m.from == 2 && m.to == 3));
  });
  net.node(1).campaign();
  net.node(2).campaign();
  net.stabilize();
  EXPECT_EQ(net.leader(), kNoNode);
  EXPECT_EQ(net.node(1).status().role, Role::kCandidate);
  EXPECT_EQ(net.node(2).status().role, Role::kCandidate);
  net.heal();
  const NodeId leader = net.tick_until_leader();
  ASSERT_NE(leader, kNoNode);
  EXPECT_GE(net.node(leader).status().term, 2u);
}

TEST(PreVoteTest, RejoiningMemberDoesNotBumpTheClusterTerm) {
  TestNetwork net(3);
  const NodeId leader = net.tick_until_leader();
  ASSERT_NE(leader, kNoNode);
  const Term term = net.node(leader).status().term;
  const NodeId outsider = leader == 3 ? 1 : 3;
  net.isolate(outsider);
  net.tick(outsider, 100);
  EXPECT_EQ(net.node(outsider).status().term, term) << "pre-votes never bump the term";
  EXPECT_EQ(net.node(outsider).status().role, Role::kPreCandidate);
  net.heal();
  net.tick_all(5);
  EXPECT_EQ(net.leader(), leader);
  EXPECT_EQ(net.node(leader).status().term, term);
  EXPECT_EQ(net.node(outsider).status().leader, leader);
}

TEST(PreVoteTest, WithoutPreVoteARejoiningMemberDisruptsTheLeader) {
  TestNetwork net(3, [](Config& c) {
    c.pre_vote = false;
    c.check_quorum = false;
  });
  net.node(1).campaign();
  net.stabilize();
  const Term term = net.node(1).status().term;
  net.isolate(3);
  net.tick(3, 100);
  EXPECT_GT(net.node(3).status().term, term);
  net.heal();
  net.tick(1);  // the leader's heartbeat draws 3's higher term
  EXPECT_GT(net.node(1).status().term, term);
  EXPECT_NE(net.node(1).status().role, Role::kLeader);
}

TEST(CheckQuorumTest, LeaderCutOffFromQuorumStepsDownAfterElectionTimeout) {
  TestNetwork net(3);
  const NodeId leader = net.tick_until_leader();
  ASSERT_NE(leader, kNoNode);
  net.isolate(leader);
  net.tick(leader, 9);
  EXPECT_EQ(net.node(leader).status().role, Role::kLeader) << "still inside the timeout";
  net.tick(leader, 11);
  EXPECT_EQ(net.node(leader).status().role, Role::kFollower);
  EXPECT_EQ(net.node(leader).status().leader, kNoNode);
}

TEST(UnreachableLeaderTest, FollowersThatLoseTheLeaderElectANewOneWithinOneElectionTimeout) {
  TestNetwork net(3);
  const NodeId leader = net.tick_until_leader();
  ASSERT_NE(leader, kNoNode);
  const Term term = net.node(leader).status().term;
  net.isolate(leader);
  std::vector<NodeId> followers;
  for (NodeId id : net.ids()) {
    if (id != leader) followers.push_back(id);
  }
  for (NodeId id : followers) net.node(id).report_unreachable(leader);
  // Without the report each follower waits at least election_ticks (10) and
  // honours the lease until then; with it, a leader emerges sooner.
  NodeId next = kNoNode;
  for (int tick = 0; tick < 9 && next == kNoNode; ++tick) {
    for (NodeId id : followers) net.tick(id);
    for (NodeId id : followers) {
      if (net.node(id).status().role == Role::kLeader) next = id;
    }
  }
  ASSERT_NE(next, kNoNode) << "no new leader within one election timeout";
  EXPECT_GT(net.node(next).status().term, term);
}

TEST(UnreachableLeaderTest, AReportWhileTheLeaderIsAliveDoesNotUnseatIt) {
  TestNetwork net(3);
  const NodeId leader = net.tick_until_leader();
  ASSERT_NE(leader, kNoNode);
  const Term term = net.node(leader).status().term;
  const NodeId follower = leader == 1 ? 2 : 1;
  net.node(follower).report_unreachable(leader);
  net.tick_all(50);
  EXPECT_EQ(net.leader(), leader);
  EXPECT_EQ(net.node(leader).status().term, term) << "pre-vote kept the live leader's term";
  EXPECT_EQ(net.node(follower).status().leader, leader);
}

TEST(CheckQuorumTest, FollowerInsideLeaseIgnoresVoteRequestsUnlessForced) {
  TestNetwork net(3);
  net.node(1).campaign();
  net.stabilize();
  ASSERT_EQ(net.leader(), 1u);
  const NodeStatus before = net.node(2).status();
  Message request = vote_request(MessageType::kVote, 3, 2, before.term + 1, 100, before.term);
  ASSERT_TRUE(net.node(2).step(request).ok());
  EXPECT_EQ(net.node(2).status().term, before.term);
  EXPECT_FALSE(net.node(2).has_ready()) << "no answer at all";
  request.force = true;
  ASSERT_TRUE(net.node(2).step(request).ok());
  EXPECT_EQ(net.node(2).status().term, before.term + 1);
  Ready rd = persist_ready(net.node(2), net.storage(2));
  const std::vector<Message> replies = find(rd, MessageType::kVoteResponse);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_FALSE(replies[0].reject);
}

TEST(ElectionTest, StaleVoteRequestIsRejectedAtTheCurrentTerm) {
  MemoryStorage storage;
  storage.set_hard_state({.term = 5, .vote = kNoNode, .commit = 0});
  RawNode node(make_config(1, 3), &storage);
  ASSERT_TRUE(node.step(vote_request(MessageType::kVote, 2, 1, 3, 10, 3)).ok());
  ASSERT_TRUE(node.step(vote_request(MessageType::kPreVote, 3, 1, 4, 10, 3)).ok());
  Ready rd = node.ready();
  ASSERT_EQ(rd.messages_after_persist.size(), 2u);
  EXPECT_EQ(rd.messages_after_persist[0].type, MessageType::kVoteResponse);
  EXPECT_EQ(rd.messages_after_persist[1].type, MessageType::kPreVoteResponse);
  for (const Message& reply : rd.messages_after_persist) {
    EXPECT_TRUE(reply.reject);
    EXPECT_EQ(reply.term, 5u);
  }
  EXPECT_EQ(node.status().term, 5u);
}

TEST(ElectionTest, CampaignForcesAnElectionDespiteALiveLeader) {
  TestNetwork net(3);
  net.node(1).campaign();
  net.stabilize();
  ASSERT_EQ(net.leader(), 1u);
  const Term term = net.node(1).status().term;
  net.node(2).campaign();
  net.stabilize();
  EXPECT_EQ(net.leader(), 2u);
  EXPECT_EQ(net.node(2).status().term, term + 1);
  EXPECT_EQ(net.node(1).status().role, Role::kFollower);
}

std::map<NodeId, int> rising_priorities() {
  return {{1, 1}, {2, 2}, {3, 3}};
}

TEST(PriorityElectionTest, HighestPriorityMemberBecomesLeader) {
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    TestNetwork net(3, [&](Config& c) {
      c.random_seed = seed;
      c.priorities = rising_priorities();
    });
    EXPECT_EQ(net.tick_until_leader(), 3u) << "seed " << seed;
  }
}

TEST(PriorityElectionTest, LowerPriorityMemberCampaignsOnlyAfterTheTargetDecays) {
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    // Member 2 needs one extra timeout (< 40 ticks), member 1 five (>= 60).
    TestNetwork net(3, [&](Config& c) {
      c.random_seed = seed;
      c.priorities = {{1, 1}, {2, 5}, {3, 6}};
    });
    net.isolate(3);
    int ticks = 0;
    while (net.leader() == kNoNode && ticks < 200) {
      net.tick_all();
      ++ticks;
    }
    EXPECT_EQ(net.leader(), 2u) << "seed " << seed;
    EXPECT_GE(ticks, 20) << "member 2 waits one extra election timeout";
  }
}

TEST(PriorityElectionTest, TargetPriorityResetsWhenALeaderIsHeard) {
  Config config = make_config(2, 3);
  config.priorities = rising_priorities();
  config.pre_vote = false;
  MemoryStorage storage;
  storage.set_hard_state({.term = 1, .vote = kNoNode, .commit = 0});
  // Ticks until member 2 campaigns: two timeouts, as it must first lower
  // the target from 3 to its own 2.
  int until_campaign = 0;
  {
    RawNode probe(config, &storage);
    while (probe.status().role == Role::kFollower) {
      probe.tick();
      ++until_campaign;
    }
  }
  ASSERT_EQ(until_campaign % 2, 0);
  const int timeout = until_campaign / 2;

  RawNode node(config, &storage);
  for (int i = 0; i < timeout; ++i) node.tick();  // the target drops to 2
  Message heartbeat;
  heartbeat.type = MessageType::kHeartbeat;
  heartbeat.from = 1;
  heartbeat.to = 2;
  heartbeat.term = 1;
  ASSERT_TRUE(node.step(heartbeat).ok());  // ...and back to 3
  for (int i = 0; i < timeout; ++i) node.tick();
  EXPECT_EQ(node.status().role, Role::kFollower) << "the target was reset by the leader";
  for (int i = 0; i < timeout; ++i) node.tick();
  EXPECT_EQ(node.status().role, Role::kCandidate);
}

TEST(LeadershipTransferTest, UpToDateTargetTakesOverAtOnce) {
  TestNetwork net(3);
  net.node(1).campaign();
  net.stabilize();
  ASSERT_TRUE(net.propose(1, "a").ok());
  const Term term = net.node(1).status().term;
  net.clear_sent();
  ASSERT_TRUE(net.node(1).transfer_leadership(2).ok());
  net.stabilize();
  EXPECT_EQ(net.count_sent(MessageType::kTimeoutNow), 1u);
  EXPECT_EQ(net.leader(), 2u);
  EXPECT_EQ(net.node(2).status().term, term + 1);
  EXPECT_EQ(net.node(1).status().role, Role::kFollower);
}

TEST(LeadershipTransferTest, LaggingTargetIsCaughtUpBeforeTimeoutNow) {
  TestNetwork net(3);
  net.node(1).campaign();
  net.stabilize();
  net.cut(1, 3);
  for (const char* data : {"a", "b", "c"}) ASSERT_TRUE(net.propose(1, data).ok());
  net.heal();
  ASSERT_TRUE(net.node(1).transfer_leadership(3).ok());
  net.stabilize();
  EXPECT_EQ(net.leader(), 3u);
  EXPECT_EQ(net.applied(3), (std::vector<std::string>{"a", "b", "c"}));
}

TEST(LeadershipTransferTest, ProposalsAreRefusedWhileTransferring) {
  TestNetwork net(3);
  net.node(1).campaign();
  net.stabilize();
  net.isolate(3);
  ASSERT_TRUE(net.node(1).transfer_leadership(3).ok());
  EXPECT_EQ(net.node(1).status().transfer_target, 3u);
  EXPECT_EQ(net.propose(1, "x").status().code(), Status::Code::kBusy);
}

TEST(LeadershipTransferTest, TransferIsAbandonedAfterAnElectionTimeout) {
  TestNetwork net(3);
  net.node(1).campaign();
  net.stabilize();
  net.isolate(3);
  ASSERT_TRUE(net.node(1).transfer_leadership(3).ok());
  net.tick(1, 10);
  EXPECT_EQ(net.node(1).status().transfer_target, kNoNode);
  EXPECT_EQ(net.leader(), 1u);
  EXPECT_TRUE(net.propose(1, "x").ok());
  EXPECT_EQ(net.applied(2), std::vector<std::string>{"x"});
}

TEST(LeadershipTransferTest, OnlyTheLeaderTransfers) {
  TestNetwork net(3);
  net.node(1).campaign();
  net.stabilize();
  const Status status = net.node(2).transfer_leadership(3);
  EXPECT_EQ(status.code(), Status::Code::kNotLeader);
  EXPECT_EQ(status.leader_hint(), 1u);
  EXPECT_EQ(net.node(1).transfer_leadership(9).code(), Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace waggle::raft::testing
