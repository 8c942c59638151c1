// Random faults against the safety properties of §5.4.3: at most one leader
// per term, and no two members ever apply different entries at an index.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "tests/raft/test_network.h"

namespace waggle::raft::testing {
namespace {

class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  bool chance(int percent) { return static_cast<int>(next() % 100) < percent; }
  NodeId member(size_t size) { return 1 + next() % size; }

 private:
  uint64_t state_;
};

void expect_prefixes(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  const size_t n = std::min(a.size(), b.size());
  EXPECT_TRUE(std::equal(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(n), b.begin()))
      << "applied logs diverge";
}

TEST(SafetyTest, RandomFaultsNeverDivergeAppliedLogsOrElectTwoLeadersInATerm) {
  for (uint64_t seed = 1; seed <= 12; ++seed) {
    const size_t size = 3 + seed % 3;
    Random random(seed);
    TestNetwork net(size, [&](Config& c) {
      c.random_seed = seed;
      c.max_snapshot_chunk_bytes = 64;
      c.max_append_bytes = 200;
      c.max_inflight = 3;
    });
    net.set_drop([&random](const Message&) { return random.chance(10); });
    std::map<Term, NodeId> leader_of_term;
    int proposed = 0;
    for (int step = 0; step < 600; ++step) {
      net.tick_all();
      if (random.chance(3)) {
        net.heal();
        net.set_drop([&random](const Message&) { return random.chance(10); });
        if (random.chance(50)) net.isolate(random.member(size));
      }
      if (random.chance(2)) net.restart(random.member(size));
      if (NodeId leader = net.leader(); leader != kNoNode && random.chance(50)) {
        net.propose(leader, "p" + std::to_string(proposed++));
      }
      if (random.chance(3)) {
        const NodeId id = random.member(size);
        if (net.node(id).status().applied > net.storage(id).snapshot().meta.index) {
          net.snapshot_and_compact(id);
        }
      }
      for (NodeId id : net.ids()) {
        const NodeStatus status = net.node(id).status();
        if (status.role != Role::kLeader) continue;
        auto [it, inserted] = leader_of_term.emplace(status.term, id);
        EXPECT_EQ(it->second, id) << "two leaders in term " << status.term << ", seed " << seed;
      }
    }
    net.heal();
    net.tick_all(50);
    const NodeId leader = net.leader();
    ASSERT_NE(leader, kNoNode) << "seed " << seed;
    ASSERT_TRUE(net.propose(leader, "final").ok());
    net.tick_all(5);
    for (NodeId a : net.ids()) {
      EXPECT_EQ(net.applied(a), net.applied(leader)) << "member " << a << ", seed " << seed;
      for (NodeId b : net.ids()) expect_prefixes(net.applied(a), net.applied(b));
    }
    EXPECT_GT(net.applied(leader).size(), 10u) << "seed " << seed;
  }
}

}  // namespace
}  // namespace waggle::raft::testing
