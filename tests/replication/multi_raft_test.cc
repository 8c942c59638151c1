// The multi-Raft driver with real journals on disk and an in-memory bus
// between drivers in one process.
#include "replication/driver/multi_raft.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <mutex>
#include <set>
#include <thread>

namespace waggle::replication {
namespace {

using namespace std::chrono_literals;

// Connects drivers in one process. Links can be cut to model a partition.
class LocalBus : public MessageBus {
 public:
  explicit LocalBus(raft::NodeId self, std::map<raft::NodeId, MultiRaft*>* drivers,
                    std::set<raft::NodeId>* isolated, std::mutex* mu)
      : self_(self), drivers_(drivers), isolated_(isolated), mu_(mu) {}

  void Send(raft::NodeId to, std::vector<transport::GroupMessage> messages) override {
    std::lock_guard lock(*mu_);
    if (isolated_->count(self_) || isolated_->count(to)) return;
    auto it = drivers_->find(to);
    if (it != drivers_->end() && it->second != nullptr) {
      it->second->Deliver(self_, std::move(messages));
    }
  }
  void Flush() override {}

 private:
  raft::NodeId self_;
  std::map<raft::NodeId, MultiRaft*>* drivers_;
  std::set<raft::NodeId>* isolated_;
  std::mutex* mu_;
};

// Records what one member applied, per group.
class RecordingListener : public GroupListener {
 public:
  void OnCommitted(GroupId group, const std::vector<raft::Entry>& entries) override {
    std::lock_guard lock(mu_);
    for (const raft::Entry& e : entries) {
      auto& log = applied_[group];
      EXPECT_TRUE(log.empty() || e.index == log.back().index + 1)
          << "gap before index " << e.index << " in group " << group;
      log.push_back(e);
    }
  }
  void OnSnapshotInstalled(GroupId group, const raft::Snapshot& snapshot) override {
    std::lock_guard lock(mu_);
    snapshots_installed_++;
    // The snapshot replaces the state: here, the applied log up to its index.
    auto& log = applied_[group];
    log.clear();
    raft::Entry marker;
    marker.index = snapshot.meta.index;
    marker.term = snapshot.meta.term;
    marker.data = *snapshot.data;
    log.push_back(marker);
  }

  std::vector<std::string> Payloads(GroupId group) {
    std::lock_guard lock(mu_);
    std::vector<std::string> out;
    for (const raft::Entry& e : applied_[group]) {
      if (e.type == raft::EntryType::kNormal) out.push_back(e.data);
    }
    return out;
  }
  raft::Index LastApplied(GroupId group) {
    std::lock_guard lock(mu_);
    auto& log = applied_[group];
    return log.empty() ? 0 : log.back().index;
  }
  int snapshots_installed() {
    std::lock_guard lock(mu_);
    return snapshots_installed_;
  }

 private:
  std::mutex mu_;
  std::map<GroupId, std::vector<raft::Entry>> applied_;
  int snapshots_installed_ = 0;
};

class MultiRaftTest : public ::testing::Test {
 protected:
  static constexpr int kMembers = 3;

  void SetUp() override {
    char tmpl[] = "/tmp/waggle-multiraft-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
  }
  void TearDown() override {
    for (raft::NodeId id = 1; id <= kMembers; ++id) StopMember(id);
    std::filesystem::remove_all(root_);
  }

  void StartMember(raft::NodeId id, int groups, size_t snapshot_chunk = 1 << 20) {
    DriverOptions options;
    options.self = id;
    options.tick_interval = 10ms;
    buses_[id] = std::make_unique<LocalBus>(id, &drivers_, &isolated_, &bus_mu_);
    listeners_[id] = std::make_unique<RecordingListener>();
    auto driver = std::make_unique<MultiRaft>(options, buses_[id].get());
    for (int g = 1; g <= groups; ++g) {
      GroupOptions group;
      group.id = g;
      group.raft.members = {1, 2, 3};
      group.raft.election_ticks = 10;
      group.raft.random_seed = id * 1000 + g;
      group.raft.max_snapshot_chunk_bytes = snapshot_chunk;
      group.dir = root_ + "/m" + std::to_string(id) + "/g" + std::to_string(g);
      group.journal.flush = journal::FlushPolicy::kNever;
      group.journal.segment_bytes = 64 * 1024;
      group.listener = listeners_[id].get();
      Status added = driver->AddGroup(group);
      ASSERT_TRUE(added.ok()) << added.ToString();
    }
    ASSERT_TRUE(driver->Start().ok());
    std::lock_guard lock(bus_mu_);
    owned_[id] = std::move(driver);
    drivers_[id] = owned_[id].get();
  }

  void StopMember(raft::NodeId id) {
    std::unique_ptr<MultiRaft> driver;
    {
      std::lock_guard lock(bus_mu_);
      drivers_[id] = nullptr;
      driver = std::move(owned_[id]);
    }
    if (driver) driver->Stop();
  }

  void Isolate(raft::NodeId id, bool isolated) {
    std::lock_guard lock(bus_mu_);
    if (isolated) {
      isolated_.insert(id);
    } else {
      isolated_.erase(id);
    }
  }

  MultiRaft* Driver(raft::NodeId id) {
    std::lock_guard lock(bus_mu_);
    return drivers_[id];
  }

  // Waits until some running, connected member leads the group.
  raft::NodeId WaitForLeader(GroupId group, std::chrono::milliseconds timeout = 10s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      for (raft::NodeId id = 1; id <= kMembers; ++id) {
        MultiRaft* d = Driver(id);
        if (d == nullptr || isolated_.count(id)) continue;
        auto state = d->State(group);
        if (state.ok() && state->role == raft::Role::kLeader) return id;
      }
      std::this_thread::sleep_for(5ms);
    }
    return raft::kNoNode;
  }

  // Proposes one entry through whichever member leads, retrying on
  // not-leader, and returns its index.
  raft::Index ProposeCommitted(GroupId group, const std::string& data) {
    for (int attempt = 0; attempt < 200; ++attempt) {
      raft::NodeId leader = WaitForLeader(group);
      if (leader == raft::kNoNode) continue;
      std::promise<std::pair<Status, raft::Index>> result;
      Driver(leader)->Propose(group, {data}, [&](const Status& s, raft::Index first) {
        result.set_value({s, first});
      });
      auto [status, index] = result.get_future().get();
      if (status.ok()) return index;
      std::this_thread::sleep_for(10ms);
    }
    ADD_FAILURE() << "proposal " << data << " never committed";
    return 0;
  }

  bool WaitUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout = 10s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (done()) return true;
      std::this_thread::sleep_for(5ms);
    }
    return done();
  }

  std::string root_;
  std::mutex bus_mu_;
  std::map<raft::NodeId, MultiRaft*> drivers_;
  std::map<raft::NodeId, std::unique_ptr<MultiRaft>> owned_;
  std::set<raft::NodeId> isolated_;
  std::map<raft::NodeId, std::unique_ptr<LocalBus>> buses_;
  std::map<raft::NodeId, std::unique_ptr<RecordingListener>> listeners_;
};

TEST_F(MultiRaftTest, EveryGroupElectsALeaderAndAllMembersApplyTheSameEntries) {
  constexpr int kGroups = 4;
  for (raft::NodeId id = 1; id <= kMembers; ++id) StartMember(id, kGroups);
  for (GroupId g = 1; g <= kGroups; ++g) {
    for (int i = 0; i < 20; ++i)
      ProposeCommitted(g, "g" + std::to_string(g) + "-" + std::to_string(i));
  }
  for (GroupId g = 1; g <= kGroups; ++g) {
    for (raft::NodeId id = 1; id <= kMembers; ++id) {
      ASSERT_TRUE(WaitUntil([&] { return listeners_[id]->Payloads(g).size() == 20; }))
          << "member " << id << " group " << g;
      std::vector<std::string> payloads = listeners_[id]->Payloads(g);
      for (int i = 0; i < 20; ++i) {
        EXPECT_EQ(payloads[i], "g" + std::to_string(g) + "-" + std::to_string(i));
      }
    }
  }
  MultiRaft::Stats stats = Driver(1)->stats();
  EXPECT_GT(stats.rounds, 0u);
  EXPECT_GE(stats.entries_committed, 4u * 20u);
}

TEST_F(MultiRaftTest, ProposalOnFollowerAnswersNotLeaderWithTheLeader) {
  for (raft::NodeId id = 1; id <= kMembers; ++id) StartMember(id, 1);
  raft::NodeId leader = WaitForLeader(1);
  ASSERT_NE(leader, raft::kNoNode);
  ProposeCommitted(1, "x");  // the followers now know the leader
  raft::NodeId follower = leader % kMembers + 1;
  ASSERT_TRUE(WaitUntil([&] { return Driver(follower)->State(1)->leader == leader; }));
  std::promise<Status> result;
  Driver(follower)->Propose(1, {"y"}, [&](const Status& s, raft::Index) { result.set_value(s); });
  Status s = result.get_future().get();
  EXPECT_EQ(s.code(), Status::Code::kNotLeader);
  EXPECT_EQ(s.leader_hint(), leader);
}

TEST_F(MultiRaftTest, UnknownGroupIsReportedNotFound) {
  StartMember(1, 1);
  std::promise<Status> result;
  Driver(1)->Propose(7, {"y"}, [&](const Status& s, raft::Index) { result.set_value(s); });
  EXPECT_EQ(result.get_future().get().code(), Status::Code::kNotFound);
  EXPECT_EQ(Driver(1)->State(7).status().code(), Status::Code::kNotFound);
}

TEST_F(MultiRaftTest, RestartedMembersReplayTheirCommittedLogFromTheJournal) {
  for (raft::NodeId id = 1; id <= kMembers; ++id) StartMember(id, 1);
  for (int i = 0; i < 30; ++i) ProposeCommitted(1, "e" + std::to_string(i));
  for (raft::NodeId id = 1; id <= kMembers; ++id) {
    ASSERT_TRUE(WaitUntil([&] { return listeners_[id]->Payloads(1).size() == 30; }));
  }
  std::vector<std::string> before = listeners_[1]->Payloads(1);
  for (raft::NodeId id = 1; id <= kMembers; ++id) StopMember(id);
  for (raft::NodeId id = 1; id <= kMembers; ++id) StartMember(id, 1);
  // Commit indices are rebuilt once a leader commits in its new term.
  ProposeCommitted(1, "after-restart");
  for (raft::NodeId id = 1; id <= kMembers; ++id) {
    ASSERT_TRUE(WaitUntil([&] { return listeners_[id]->Payloads(1).size() == 31; }));
    std::vector<std::string> after = listeners_[id]->Payloads(1);
    EXPECT_TRUE(std::equal(before.begin(), before.end(), after.begin())) << "member " << id;
    EXPECT_EQ(after.back(), "after-restart");
  }
}

TEST_F(MultiRaftTest, ReadCommittedServesEntriesUpToTheCommitIndexOnly) {
  for (raft::NodeId id = 1; id <= kMembers; ++id) StartMember(id, 1);
  raft::Index last = 0;
  for (int i = 0; i < 10; ++i) last = ProposeCommitted(1, "r" + std::to_string(i));
  raft::NodeId leader = WaitForLeader(1);
  ASSERT_TRUE(WaitUntil([&] { return Driver(leader)->State(1)->commit >= last; }));
  std::vector<raft::Entry> entries;
  ASSERT_TRUE(Driver(leader)->ReadCommitted(1, 1, 1 << 20, &entries).ok());
  ASSERT_EQ(entries.back().index, last);
  EXPECT_EQ(entries.back().data, "r9");
  std::vector<raft::Entry> beyond;
  EXPECT_EQ(Driver(leader)->ReadCommitted(1, last + 1, 1 << 20, &beyond).code(),
            Status::Code::kUnavailable);
}

TEST_F(MultiRaftTest, LaggingFollowerCatchesUpThroughAChunkedSnapshot) {
  for (raft::NodeId id = 1; id <= kMembers; ++id) StartMember(id, 1, /*snapshot_chunk=*/16);
  raft::NodeId leader = WaitForLeader(1);
  ASSERT_NE(leader, raft::kNoNode);
  raft::NodeId lagging = leader % kMembers + 1;
  Isolate(lagging, true);
  raft::Index last = 0;
  for (int i = 0; i < 40; ++i) last = ProposeCommitted(1, "s" + std::to_string(i));
  leader = WaitForLeader(1);
  ASSERT_TRUE(WaitUntil([&] { return Driver(leader)->State(1)->applied >= last; }));

  std::promise<Status> snapshotted;
  Driver(leader)->Snapshot(1, last, std::make_shared<const std::string>("state-up-to-40-entries"),
                           [&](const Status& s) { snapshotted.set_value(s); });
  ASSERT_TRUE(snapshotted.get_future().get().ok());
  EXPECT_EQ(Driver(leader)->State(1)->first_index, last + 1);

  Isolate(lagging, false);
  ProposeCommitted(1, "after-snapshot");
  ASSERT_TRUE(WaitUntil([&] { return listeners_[lagging]->snapshots_installed() == 1; }));
  ASSERT_TRUE(WaitUntil([&] {
    std::vector<std::string> p = listeners_[lagging]->Payloads(1);
    return !p.empty() && p.back() == "after-snapshot";
  }));
  std::vector<std::string> p = listeners_[lagging]->Payloads(1);
  EXPECT_EQ(p.front(), "state-up-to-40-entries");
}

TEST_F(MultiRaftTest, LeadershipTransferMovesTheLeaderToTheTarget) {
  for (raft::NodeId id = 1; id <= kMembers; ++id) StartMember(id, 1);
  ProposeCommitted(1, "before");
  raft::NodeId leader = WaitForLeader(1);
  raft::NodeId target = leader % kMembers + 1;
  Driver(leader)->TransferLeadership(1, target);
  EXPECT_TRUE(WaitUntil([&] { return WaitForLeader(1, 100ms) == target; }));
  ProposeCommitted(1, "after");
}

}  // namespace
}  // namespace waggle::replication
