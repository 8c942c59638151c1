// Process tests: a cluster of real `waggle log-member` processes on
// 127.0.0.1, driven through LogClient. They check what a user of the binary
// relies on: one leader replicates every acknowledged entry to identical
// logs, a SIGKILLed leader is replaced within seconds without losing an
// acknowledged entry, a restarted member catches up, and bad flags are
// refused with exit code 2 and a message naming the flag.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "cmd/log_member/log_client.h"
#include "cmd/log_member/member_processes.h"

namespace waggle::process_test {
namespace {

using Clock = std::chrono::steady_clock;
using cmd::LogClient;
using cmd::MemberProcesses;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr cmd::LogGroupId kGroup = 1;
// Short timeouts keep elections quick: a tick of 20 ms, elections after
// 10-20 ticks.
const std::vector<std::string> kFastFlags = {"--tick-ms", "20",        "--election-ticks",
                                             "10",        "--verbose", "on"};

// Appends from several threads until stopped, recording every entry it sent
// and the index each acknowledged one got.
class Appender {
 public:
  Appender(LogClient* client, int threads) : client_(client) {
    for (int t = 0; t < threads; ++t) threads_.emplace_back([this] { Run(); });
  }
  ~Appender() { Stop(); }

  void Stop() {
    stop_ = true;
    for (std::thread& t : threads_) t.join();
    threads_.clear();
  }

  size_t acknowledged() const {
    std::lock_guard lock(mu_);
    return acked_.size();
  }
  // REQUIRES: stopped.
  const std::map<std::string, raft::Index>& acked() const { return acked_; }
  const std::set<std::string>& sent() const { return sent_; }
  const std::vector<std::string>& failures() const { return failures_; }

 private:
  void Run() {
    while (!stop_) {
      const std::string data = "append-" + std::to_string(next_++);
      {
        std::lock_guard lock(mu_);
        sent_.insert(data);
      }
      // Ten seconds cover an election after a leader's death many times.
      Result<raft::Index> index = client_->Append(kGroup, {data}, seconds(10));
      std::lock_guard lock(mu_);
      if (index.ok()) {
        acked_[data] = *index;
      } else {
        failures_.push_back(data + ": " + index.status().ToString());
      }
    }
  }

  LogClient* const client_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> next_{0};
  mutable std::mutex mu_;
  std::set<std::string> sent_;
  std::map<std::string, raft::Index> acked_;
  std::vector<std::string> failures_;
  std::vector<std::thread> threads_;
};

// Waits until the appender has `count` acknowledgements; returns how long it took.
milliseconds WaitForAcks(const Appender& appender, size_t count, milliseconds timeout) {
  const Clock::time_point start = Clock::now();
  while (appender.acknowledged() < count && Clock::now() - start < timeout) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  return std::chrono::duration_cast<milliseconds>(Clock::now() - start);
}

class LogMemberProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<MemberProcesses>> cluster =
        MemberProcesses::Create({WAGGLE_BINARY, 3, kFastFlags});
    ASSERT_TRUE(cluster.ok()) << cluster.status().ToString();
    cluster_ = std::move(*cluster);
    client_ = &cluster_->client();
    Status started = cluster_->StartAll();
    ASSERT_TRUE(started.ok()) << started.ToString();
  }

  void TearDown() override {
    if (cluster_ == nullptr) return;
    if (HasFailure()) {
      std::fprintf(stderr, "member output:\n%s\ndata kept in %s\n", cluster_->AllOutput().c_str(),
                   cluster_->KeepData().c_str());
    }
    cluster_.reset();  // kills every member
  }

  // The committed log of every member; the test fails if any cannot be read.
  std::map<raft::NodeId, std::vector<raft::Entry>> ReadAllLogs() {
    std::map<raft::NodeId, std::vector<raft::Entry>> logs;
    for (raft::NodeId id : cluster_->ids()) {
      Result<std::vector<raft::Entry>> log = client_->ReadAll(kGroup, id, seconds(10));
      EXPECT_TRUE(log.ok()) << "member " << id << ": " << log.status().ToString();
      if (log.ok()) logs[id] = std::move(*log);
    }
    return logs;
  }

  // Stops the appender, waits until every member committed what it saw
  // acknowledged, and checks the committed logs: identical on all members
  // (index, term, type, data), every acknowledged entry at the index it was
  // acknowledged with, and every entry one the client sent (failed attempts
  // may have committed too, and retries may duplicate, but nothing is
  // invented).
  void StopAndCheckLogs(Appender& appender) {
    appender.Stop();
    EXPECT_TRUE(appender.failures().empty()) << appender.failures().front();
    raft::Index highest_acked = 0;
    for (const auto& [data, index] : appender.acked()) {
      highest_acked = std::max(highest_acked, index);
    }
    Status committed = cluster_->WaitForCommit(kGroup, highest_acked, seconds(10));
    ASSERT_TRUE(committed.ok()) << committed.ToString();

    std::map<raft::NodeId, std::vector<raft::Entry>> logs = ReadAllLogs();
    ASSERT_EQ(logs.size(), 3u);
    size_t common = SIZE_MAX;
    for (const auto& [id, log] : logs) common = std::min(common, log.size());
    ASSERT_GE(common, highest_acked);
    const std::vector<raft::Entry>& log = logs.begin()->second;
    for (const auto& [id, other] : logs) {
      ASSERT_EQ(other.front().index, 1u) << "member " << id;
      for (size_t i = 0; i < common; ++i) {
        ASSERT_EQ(other[i], log[i]) << "member " << id << " at index " << other[i].index;
      }
    }
    for (const auto& [data, index] : appender.acked()) {
      ASSERT_EQ(log.at(index - 1).data, data) << "acknowledged at index " << index;
    }
    for (size_t i = 0; i < common; ++i) {
      if (log[i].type == raft::EntryType::kNormal) {
        ASSERT_TRUE(appender.sent().count(log[i].data)) << "unknown entry at " << log[i].index;
      }
    }
  }

  std::unique_ptr<MemberProcesses> cluster_;
  LogClient* client_ = nullptr;  // the cluster's
};

TEST_F(LogMemberProcessTest, ThreeMembersElectOneLeaderAndReplicateIdenticalLogs) {
  Result<raft::NodeId> leader = client_->FindLeader(kGroup, seconds(10));
  ASSERT_TRUE(leader.ok()) << leader.status().ToString();

  constexpr int kEntries = 500;
  std::vector<raft::Index> acked;
  for (int i = 0; i < kEntries; ++i) {
    Result<raft::Index> index = client_->Append(kGroup, {"entry-" + std::to_string(i)}, seconds(5));
    ASSERT_TRUE(index.ok()) << "entry " << i << ": " << index.status().ToString();
    if (!acked.empty()) {
      ASSERT_GT(*index, acked.back());
    }
    acked.push_back(*index);
  }
  // Nothing disturbed the cluster, so the leader never changed.
  EXPECT_EQ(client_->LeaderGuess(kGroup), *leader);
  Status committed = cluster_->WaitForCommit(kGroup, acked.back(), seconds(10));
  ASSERT_TRUE(committed.ok()) << committed.ToString();

  std::map<raft::NodeId, std::vector<raft::Entry>> logs = ReadAllLogs();
  ASSERT_EQ(logs.size(), 3u);
  for (const auto& [id, log] : logs) {
    EXPECT_EQ(log, logs.begin()->second)
        << "member " << id << " differs from member " << logs.begin()->first;
    std::vector<std::string> data;
    for (const raft::Entry& e : log) {
      if (e.type == raft::EntryType::kNormal) data.push_back(e.data);
    }
    ASSERT_EQ(data.size(), static_cast<size_t>(kEntries)) << "member " << id;
    for (int i = 0; i < kEntries; ++i) {
      ASSERT_EQ(data[i], "entry-" + std::to_string(i)) << "member " << id;
      ASSERT_EQ(log.at(acked[i] - log.front().index).data, data[i]) << "member " << id;
    }
  }

  // A group nobody hosts is refused at once rather than retried.
  const Clock::time_point start = Clock::now();
  Result<raft::Index> unknown = client_->Append(kGroup + 1, {"x"}, seconds(10));
  EXPECT_EQ(unknown.status().code(), Status::Code::kNotFound) << unknown.status().ToString();
  EXPECT_LT(Clock::now() - start, seconds(5));
  EXPECT_EQ(client_->ReadAll(kGroup + 1, *leader, seconds(5)).status().code(),
            Status::Code::kNotFound);
}

TEST_F(LogMemberProcessTest, KilledLeaderIsReplacedAndRestartedMemberCatchesUp) {
  Result<raft::NodeId> first_leader = client_->FindLeader(kGroup, seconds(10));
  ASSERT_TRUE(first_leader.ok()) << first_leader.status().ToString();

  Appender appender(client_, 4);
  ASSERT_LT(WaitForAcks(appender, 200, seconds(20)), seconds(20));

  cluster_->Kill(*first_leader);
  const Clock::time_point killed = Clock::now();
  const size_t acked_at_kill = appender.acknowledged();

  Result<raft::NodeId> second_leader = client_->FindLeader(kGroup, seconds(5));
  ASSERT_TRUE(second_leader.ok()) << second_leader.status().ToString();
  EXPECT_NE(*second_leader, *first_leader);
  const auto takeover = std::chrono::duration_cast<milliseconds>(Clock::now() - killed);
  EXPECT_LT(takeover, seconds(5));
  // Appends go on through the new leader.
  ASSERT_LT(WaitForAcks(appender, acked_at_kill + 200, seconds(10)), seconds(10))
      << "appends stalled after the leader died";
  const auto resumed = std::chrono::duration_cast<milliseconds>(Clock::now() - killed);
  std::printf("new leader %llu found %lld ms after the kill; 200 more appends after %lld ms\n",
              static_cast<unsigned long long>(*second_leader),
              static_cast<long long>(takeover.count()), static_cast<long long>(resumed.count()));

  // The old leader comes back on its data directory while appends go on.
  cluster_->Start(*first_leader);
  ASSERT_LT(WaitForAcks(appender, appender.acknowledged() + 200, seconds(10)), seconds(10));
  StopAndCheckLogs(appender);
}

// A leader that hangs (SIGSTOP) rather than dies: its clients' streams stay
// open, so they must give up on it by themselves; the others elect a new
// leader, and the old one rejoins as a follower when it resumes.
TEST_F(LogMemberProcessTest, HungLeaderIsReplacedAndRejoinsWhenResumed) {
  Result<raft::NodeId> first_leader = client_->FindLeader(kGroup, seconds(10));
  ASSERT_TRUE(first_leader.ok()) << first_leader.status().ToString();

  Appender appender(client_, 4);
  ASSERT_LT(WaitForAcks(appender, 200, seconds(20)), seconds(20));

  cluster_->Pause(*first_leader);
  const Clock::time_point paused = Clock::now();
  ASSERT_LT(WaitForAcks(appender, appender.acknowledged() + 200, seconds(10)), seconds(10))
      << "appends stalled after the leader hung";
  std::printf("appends resumed %lld ms after the leader hung\n",
              static_cast<long long>(
                  std::chrono::duration_cast<milliseconds>(Clock::now() - paused).count()));
  Result<raft::NodeId> second_leader = client_->FindLeader(kGroup, seconds(5));
  ASSERT_TRUE(second_leader.ok()) << second_leader.status().ToString();
  EXPECT_NE(*second_leader, *first_leader);

  cluster_->Resume(*first_leader);
  ASSERT_LT(WaitForAcks(appender, appender.acknowledged() + 200, seconds(10)), seconds(10));
  StopAndCheckLogs(appender);
  Result<cmd::LogMemberStatus> resumed = client_->StatusOf(*first_leader, seconds(1));
  ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
  EXPECT_EQ(resumed->groups.at(0).role, "follower");
}

TEST(LogMemberFlagsTest, BadFlagsExitWithCodeTwoAndNameTheFlag) {
  Result<std::unique_ptr<cmd::TempDir>> dir = cmd::TempDir::Create("waggle-flags");
  ASSERT_TRUE(dir.ok()) << dir.status().ToString();
  Result<std::vector<int>> port = cmd::FreePorts(1);
  ASSERT_TRUE(port.ok()) << port.status().ToString();
  const std::string members = "1=127.0.0.1:" + std::to_string(port->front());
  const std::string data = (*dir)->path() + "/data";
  struct Case {
    std::vector<std::string> args;
    std::string named;
  };
  const std::vector<Case> cases = {
      {{"log-member", "--id", "0", "--members", members, "--data", data}, "--id"},
      {{"log-member", "--id", "1", "--members", members, "--data", data, "--fsync", "maybe"},
       "--fsync"},
      {{"log-member", "--id", "1", "--members", members, "--data", data, "--colour", "blue"},
       "--colour"},
      {{"log-member", "--id", "1", "--members", "1=", "--data", data}, "--members"},
      {{"log-status"}, "--members"},
      {{"log-append", "--members", "1=127.0.0.1:1", "--count", "-5"}, "--count"},
      {{"log-append", "--members", "1=127.0.0.1:1", "--rate", "fast"}, "--rate"},
  };
  for (const Case& c : cases) {
    std::string command;
    for (const std::string& a : c.args) command += " " + a;
    Result<cmd::ExitResult> result =
        cmd::RunWaggle(WAGGLE_BINARY, c.args, (*dir)->path(), seconds(10));
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    EXPECT_EQ(result->exit_code, 2) << "waggle" << command << "\nstderr: " << result->err;
    EXPECT_NE(result->err.find(c.named), std::string::npos)
        << "waggle" << command << "\nstderr: " << result->err;
  }
}

}  // namespace
}  // namespace waggle::process_test
