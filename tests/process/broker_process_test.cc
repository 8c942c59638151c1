// Three real broker processes (waggle_test_broker: the broker with the fake
// engine) on 127.0.0.1, 3 partitions, replication factor 3, driven through
// the command API by a small gRPC client: every partition answers, the
// topology names a leader per partition, jobs-available notices stream, a
// SIGKILLed leader is replaced by a new one that answers, a restarted broker
// catches up, and SIGTERM stops a broker cleanly with exit code 0.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "cmd/log_member/member_processes.h"
#include "common/protocol/broker_api.grpc.pb.h"
#include "common/record/codec.h"
#include "tests/partitions/fake_engine.h"

namespace waggle {
namespace {

namespace api = waggle::broker_api;
using namespace std::chrono_literals;
using partitions::testing::JobCommand;

constexpr int kBrokers = 3;
constexpr int kPartitions = 3;

class BrokerProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = cmd::TempDir::Create("waggle-brokers");
    ASSERT_TRUE(dir.ok());
    dir_ = std::move(*dir);
    Result<int> base = cmd::FreePortRange(2 * kBrokers);
    ASSERT_TRUE(base.ok()) << base.status().ToString();
    base_ = *base;
    stubs_.resize(kBrokers);
  }

  void TearDown() override {
    for (auto& [n, pid] : pids_) {
      if (pid > 0) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
      }
    }
    if (HasFailure() || getenv("WAGGLE_TEST_LOG")) {
      for (int n = 0; n < kBrokers; ++n) std::cerr << "--- broker " << n << "\n" << Output(n);
    }
  }

  int CommandPort(int n) const { return base_ + 2 * n; }
  int InternalPort(int n) const { return base_ + 2 * n + 1; }
  std::string LogFile(int n) const {
    return dir_->path() + "/broker-" + std::to_string(n) + ".log";
  }
  std::string Output(int n) const {
    std::ifstream in(LogFile(n));
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  void StartBroker(int n) {
    std::string contact_points;
    for (int i = 0; i < kBrokers; ++i) {
      contact_points +=
          (i ? "," : "") + std::string("127.0.0.1:") + std::to_string(InternalPort(i));
    }
    std::vector<std::string> args = {
        "--cluster.nodeId=" + std::to_string(n),
        "--cluster.clusterSize=" + std::to_string(kBrokers),
        "--cluster.partitionsCount=" + std::to_string(kPartitions),
        "--cluster.replicationFactor=3",
        "--cluster.initialContactPoints=" + contact_points,
        "--cluster.raft.heartbeatInterval=100ms",
        "--cluster.raft.electionTimeout=1s",
        "--network.host=127.0.0.1",
        "--network.commandApi.port=" + std::to_string(CommandPort(n)),
        "--network.internalApi.port=" + std::to_string(InternalPort(n)),
        "--network.monitoringApi.port=0",
        "--data.directory=" + dir_->path() + "/data-" + std::to_string(n),
        "--data.fsync=false",
        "--data.disk.freeSpace.processing=10MB",
        "--data.disk.freeSpace.replication=5MB",
    };
    Connect(n);
    Result<pid_t> pid = cmd::Spawn(WAGGLE_TEST_BROKER, args, LogFile(n), LogFile(n));
    ASSERT_TRUE(pid.ok()) << pid.status().ToString();
    pids_[n] = *pid;
  }

  // A fresh channel to broker n.
  void Connect(int n) {
    stubs_[n] = api::BrokerApi::NewStub(grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(CommandPort(n)), grpc::InsecureChannelCredentials()));
  }

  void Kill(int n, int signal) { ::kill(pids_[n], signal); }

  // Waits for broker n to exit; its exit code, or -1 when killed or still running.
  int WaitExit(int n, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pids_[n], &status, WNOHANG) == pids_[n]) {
        pids_[n] = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(20ms);
    }
    return -1;
  }

  api::ExecuteCommandResponse Execute(int n, int partition, const record::fb::RecordT& command) {
    api::ExecuteCommandRequest request;
    request.set_partition_id(partition);
    request.set_command(record::EncodeRecord(command));
    request.set_await_result(true);
    request.set_timeout_ms(3000);
    api::ExecuteCommandResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 4s);
    grpc::Status status = stubs_[n]->ExecuteCommand(&context, request, &response);
    if (!status.ok()) response.set_outcome(api::ExecuteCommandResponse::TIMEOUT);
    return response;
  }

  // Sends the command to partition until some live broker answers with a
  // record, following not-leader hints. Returns the broker that answered.
  int ExecuteAnywhere(int partition, const record::fb::RecordT& command,
                      std::chrono::milliseconds timeout = 20s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    int n = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      if (pids_[n] > 0) {
        api::ExecuteCommandResponse r = Execute(n, partition, command);
        if (r.outcome() == api::ExecuteCommandResponse::RECORD) return n;
        if (r.outcome() == api::ExecuteCommandResponse::NOT_LEADER && r.leader_node_id() >= 0 &&
            pids_[r.leader_node_id()] > 0) {
          n = r.leader_node_id();
          continue;
        }
      }
      n = (n + 1) % kBrokers;
      std::this_thread::sleep_for(20ms);
    }
    return -1;
  }

  Result<api::Topology> Topology(int n) {
    api::Topology topology;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 2s);
    grpc::Status s = stubs_[n]->GetTopology(&context, api::GetTopologyRequest(), &topology);
    if (!s.ok()) return Status::Unavailable(s.error_message());
    return topology;
  }

  std::unique_ptr<cmd::TempDir> dir_;
  int base_ = 0;
  std::map<int, pid_t> pids_;
  std::vector<std::unique_ptr<api::BrokerApi::Stub>> stubs_;
};

TEST_F(BrokerProcessTest, ClusterServesFailsOverRestartsAndStopsCleanly) {
  for (int n = 0; n < kBrokers; ++n) StartBroker(n);

  // Every partition answers.
  for (int p = 1; p <= kPartitions; ++p) {
    for (int i = 0; i < 10; ++i) ASSERT_GE(ExecuteAnywhere(p, JobCommand("plain")), 0) << p;
  }
  // Unknown partitions and garbage are refused.
  EXPECT_EQ(Execute(0, 9, JobCommand("plain")).outcome(),
            api::ExecuteCommandResponse::PARTITION_NOT_FOUND);
  {
    api::ExecuteCommandRequest request;
    request.set_partition_id(1);
    request.set_command("garbage");
    api::ExecuteCommandResponse response;
    grpc::ClientContext context;
    ASSERT_TRUE(stubs_[0]->ExecuteCommand(&context, request, &response).ok());
    EXPECT_EQ(response.outcome(), api::ExecuteCommandResponse::INVALID_COMMAND);
  }

  // The topology of broker 0 names every broker and a leader per partition.
  Result<api::Topology> topology = Topology(0);
  ASSERT_TRUE(topology.ok());
  EXPECT_EQ(topology->cluster_size(), kBrokers);
  EXPECT_EQ(topology->partitions_count(), kPartitions);
  ASSERT_EQ(topology->brokers_size(), kBrokers);
  std::map<int, int> leader_of;  // partition -> node
  for (const api::BrokerInfo& b : topology->brokers()) {
    EXPECT_EQ(b.port(), CommandPort(b.node_id()));
    for (const api::PartitionInfo& p : b.partitions()) {
      if (p.role() == api::PartitionInfo::LEADER) leader_of[p.partition_id()] = b.node_id();
    }
  }
  EXPECT_EQ(leader_of.size(), static_cast<size_t>(kPartitions));

  // A jobs-available notice streams from the leader of partition 2.
  const int leader2 = ExecuteAnywhere(2, JobCommand("plain"));
  ASSERT_GE(leader2, 0);
  {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 10s);
    auto reader = stubs_[leader2]->WatchJobsAvailable(&context, api::WatchJobsAvailableRequest());
    std::this_thread::sleep_for(200ms);  // the stream is registered
    ASSERT_EQ(ExecuteAnywhere(2, JobCommand("timer:" + std::to_string(INT64_MAX / 2))), leader2);
    api::JobsAvailable notice;
    ASSERT_TRUE(reader->Read(&notice));
    EXPECT_EQ(notice.partition_id(), 2);
    ASSERT_EQ(notice.job_types_size(), 1);
    EXPECT_EQ(notice.job_types(0), "timer");
    context.TryCancel();
  }

  // A command on partition 1 sends one to partition 3 through the command API.
  ASSERT_GE(ExecuteAnywhere(1, JobCommand("send:3")), 0);

  // SIGKILL the leader of partition 1: another broker takes over and answers.
  const int leader1 = ExecuteAnywhere(1, JobCommand("plain"));
  ASSERT_GE(leader1, 0);
  Kill(leader1, SIGKILL);
  WaitExit(leader1, 2s);
  pids_[leader1] = -1;
  const auto killed = std::chrono::steady_clock::now();
  const int new_leader1 = ExecuteAnywhere(1, JobCommand("plain"));
  ASSERT_GE(new_leader1, 0);
  EXPECT_NE(new_leader1, leader1);
  std::cout << "new leader of partition 1 answered "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - killed)
                   .count()
            << " ms after the SIGKILL\n";
  for (int p = 1; p <= kPartitions; ++p) ASSERT_GE(ExecuteAnywhere(p, JobCommand("plain")), 0);

  // The killed broker restarts from its journal and rejoins every partition:
  // each of its members knows a leader again.
  StartBroker(leader1);
  const auto restarted = std::chrono::steady_clock::now();
  bool rejoined = false;
  while (!rejoined && std::chrono::steady_clock::now() - restarted < 20s) {
    Result<api::Topology> t = Topology(leader1);
    if (!t.ok()) Connect(leader1);  // rather than wait out gRPC's reconnect back-off
    const api::Topology view = t.ok() ? *t : api::Topology();
    std::set<int> led;
    for (const api::BrokerInfo& b : view.brokers()) {
      for (const api::PartitionInfo& p : b.partitions()) {
        if (p.role() == api::PartitionInfo::LEADER) led.insert(p.partition_id());
      }
    }
    rejoined = led.size() == kPartitions;
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(rejoined);
  for (int p = 1; p <= kPartitions; ++p) ASSERT_GE(ExecuteAnywhere(p, JobCommand("plain")), 0);

  // SIGTERM: a clean stop with exit code 0, its leaderships handed over.
  const int stopping = new_leader1;
  Kill(stopping, SIGTERM);
  EXPECT_EQ(WaitExit(stopping, 15s), 0);
  EXPECT_NE(Output(stopping).find("stopped"), std::string::npos);
  ASSERT_GE(ExecuteAnywhere(1, JobCommand("plain")), 0);
}

TEST_F(BrokerProcessTest, InvalidConfigurationStopsTheBrokerWithTheSettingsName) {
  Result<cmd::ExitResult> r =
      cmd::RunWaggle(WAGGLE_TEST_BROKER, {"--cluster.partitionsCount=0"}, dir_->path(), 10s);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit_code, 2);
  EXPECT_NE(r->err.find("cluster.partitionsCount"), std::string::npos) << r->err;
  EXPECT_NE(r->err.find("allowed: a whole number from 1 to 8191"), std::string::npos) << r->err;
}

}  // namespace
}  // namespace waggle
