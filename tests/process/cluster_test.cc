// waggle end to end, as a user runs it: three `waggle broker` processes with
// the real engine (3 partitions, replication factor 3) behind `waggle
// gateway`, driven by the official clients from npm: zbctl 8.4 and
// zeebe-node 8.3 (tests/process/zeebe_node_load.js). Instances run on every
// partition, a message correlates to instances on other partitions, and a
// partition leader killed with SIGKILL under load loses no acknowledged
// instance.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "common/record/key.h"
#include "engine/processing/messages.h"
#include "exporters/redis/redis_connection.h"
#include "tests/exporters/redis_server.h"
#include "tests/monitoring/http_get.h"
#include "tests/process/cluster_processes.h"

namespace waggle::test_processes {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

constexpr char kOneTask[] = WAGGLE_SOURCE_DIR "/docs/examples/one-task.bpmn";

class ClusterTest : public ::testing::Test {
 protected:
  // Broker n's exporters: the YAML under `exporters:` (indented by 6).
  virtual std::string ExportersYaml(int /*n*/) const { return ""; }
  // Passed to every broker after the test's own flags.
  virtual std::vector<std::string> ExtraBrokerFlags() const { return {}; }

  void SetUp() override {
    ClusterOptions options;
    options.waggle_binary = WAGGLE_BINARY;
    options.broker_flags = {"--cluster.raft.heartbeatInterval=100ms",
                            "--cluster.raft.electionTimeout=1s", "--data.fsync=false"};
    for (std::string& flag : ExtraBrokerFlags()) options.broker_flags.push_back(std::move(flag));
    options.broker_yaml = [this](int n) {
      const std::string exporters = ExportersYaml(n);
      return exporters.empty() ? exporters : "waggle:\n  broker:\n    exporters:\n" + exporters;
    };
    auto cluster = ClusterProcesses::Create(options);
    ASSERT_TRUE(cluster.ok()) << cluster.status().ToString();
    cluster_ = std::move(*cluster);
    ASSERT_TRUE(cluster_->StartAll().ok());
    Result<std::map<int, int>> leaders = cluster_->WaitForLeaders(30s);
    ASSERT_TRUE(leaders.ok()) << leaders.status().ToString();
    // The gateway has learned the topology when zbctl sees every leader and
    // every member's role (a follower reports its partition once it has
    // heard from the leader).
    for (int i = 0; i < 100; ++i) {
      ShellResult status = Zbctl("status");
      if (status.exit_code == 0 && Count(status.text, ": Leader, Healthy") == 3 &&
          Count(status.text, "Partition ") == 9) {
        return;
      }
      std::this_thread::sleep_for(100ms);
    }
    FAIL() << "the gateway never showed a leader per partition";
  }

  void TearDown() override {
    if (HasFailure()) {
      std::cerr << cluster_->AllOutput() << "data kept in " << cluster_->KeepData() << "\n";
    }
  }

  static int Count(const std::string& text, const std::string& part) {
    int count = 0;
    for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) {
      ++count;
    }
    return count;
  }

  ShellResult Zbctl(const std::string& args) {
    return RunShell(std::string(WAGGLE_NPM_CLIENTS_DIR) +
                    "/node_modules/zbctl/bin/zbctl-cli.linux --insecure --address " +
                    cluster_->gateway_address() + " " + args);
  }

  // zbctl's JSON output, or a test failure.
  json ZbctlJson(const std::string& args) {
    ShellResult out = Zbctl(args);
    EXPECT_EQ(out.exit_code, 0) << args << ": " << out.text;
    json parsed = json::parse(out.text, nullptr, false);
    EXPECT_FALSE(parsed.is_discarded()) << args << ": " << out.text;
    return parsed;
  }

  // Runs zeebe_node_load.js; its JSON summary.
  json ZeebeNodeLoad(int count, int rate, int timeout_seconds) {
    ShellResult out =
        cluster_->ZeebeNodeLoad(kOneTask, "one-task", "greet", count, rate, timeout_seconds);
    std::cout << "zeebe-node: " << out.text;
    json summary = json::parse(out.text, nullptr, false);
    EXPECT_EQ(out.exit_code, 0) << out.text;
    EXPECT_FALSE(summary.is_discarded()) << out.text;
    return summary;
  }

  std::unique_ptr<ClusterProcesses> cluster_;
};

TEST_F(ClusterTest, ZeebeNodeRunsInstancesOnEveryPartition) {
  ShellResult status = Zbctl("status");
  EXPECT_NE(status.text.find("Cluster size: 3"), std::string::npos) << status.text;
  EXPECT_NE(status.text.find("Partitions count: 3"), std::string::npos) << status.text;
  EXPECT_NE(status.text.find("Replication factor: 3"), std::string::npos) << status.text;
  // Every broker hosts every partition: 9 members, one leader each.
  EXPECT_EQ(Count(status.text, "Partition "), 9) << status.text;

  json summary = ZeebeNodeLoad(150, 100, 60);
  EXPECT_EQ(summary["acknowledged"], 150);
  EXPECT_EQ(summary["completed"], 150);
  for (const char* partition : {"1", "2", "3"}) {
    EXPECT_GT(summary["partitions"].value(partition, 0), 0) << partition;
  }
  // Nothing is left to do.
  json left = ZbctlJson("activate jobs greet --maxJobsToActivate 10 --requestTimeout 1s");
  EXPECT_TRUE(left.value("jobs", json::array()).empty()) << left.dump();
}

// zeebe-node-example-test.bpmn: job demo-service, then an event-based gateway
// waits for message Message_In (correlation key = uniqueId) or a 5 s timer.
// Each instance's demo-service job sets uniqueId to a key that hashes to
// another partition than the instance's. The messages are published before,
// with a TTL, so they wait for the subscriptions and the timer never wins.
TEST_F(ClusterTest, MessagesCorrelateToInstancesOnOtherPartitions) {
  json deployed = ZbctlJson(std::string("deploy resource ") + WAGGLE_BPMN_FIXTURES +
                            "/zeebe-node-example-test.bpmn");
  ASSERT_EQ(deployed.value("deployments", json::array()).size(), 1u) << deployed.dump();

  std::map<int64_t, std::string> key_of_instance;
  for (int i = 0; i < 3; ++i) {
    json created =
        ZbctlJson(R"(create instance test-process --variables '{"uniqueId":"not yet"}')");
    const int64_t instance = std::stoll(created["processInstanceKey"].get<std::string>());
    std::string key;
    for (int n = 0;
         key.empty() || engine::SubscriptionPartitionOf(key, 3) == record::PartitionOf(instance);
         ++n) {
      key = "order-" + std::to_string(instance) + "-" + std::to_string(n);
    }
    key_of_instance[instance] = key;
    ShellResult published =
        Zbctl("publish message Message_In --correlationKey " + key + " --ttl 1m");
    ASSERT_EQ(published.exit_code, 0) << published.text;
  }

  // Completes every job of `type`, setting the instance's key; returns the
  // instances they belonged to.
  auto complete_all = [&](const std::string& type) {
    std::set<int64_t> instances;
    for (int attempt = 0; attempt < 50 && instances.size() < key_of_instance.size(); ++attempt) {
      json jobs = ZbctlJson("activate jobs " + type + " --maxJobsToActivate 10");
      for (const json& job : jobs.value("jobs", json::array())) {
        const int64_t instance = std::stoll(job["processInstanceKey"].get<std::string>());
        instances.insert(instance);
        ShellResult done =
            Zbctl("complete job " + job["key"].get<std::string>() +
                  R"( --variables '{"uniqueId":")" + key_of_instance[instance] + "\"}'");
        EXPECT_EQ(done.exit_code, 0) << done.text;
      }
      if (instances.size() < key_of_instance.size()) std::this_thread::sleep_for(100ms);
    }
    return instances;
  };
  EXPECT_EQ(complete_all("demo-service").size(), key_of_instance.size());
  // Each instance took the message path.
  std::set<int64_t> correlated = complete_all("process-message");
  for (const auto& [instance, key] : key_of_instance) {
    EXPECT_TRUE(correlated.count(instance)) << instance << " with key " << key;
  }
  json timed_out = ZbctlJson("activate jobs time-out --maxJobsToActivate 10");
  EXPECT_TRUE(timed_out.value("jobs", json::array()).empty()) << timed_out.dump();
}

TEST_F(ClusterTest, KilledPartitionLeaderLosesNoAcknowledgedInstance) {
  // 600 instances at 100/s; two seconds in, the leader of partition 1 dies.
  std::future<json> load =
      std::async(std::launch::async, [&] { return ZeebeNodeLoad(600, 100, 90); });
  std::this_thread::sleep_for(2s);
  Result<std::map<int, int>> leaders = cluster_->WaitForLeaders(5s);
  ASSERT_TRUE(leaders.ok()) << leaders.status().ToString();
  const int killed = leaders->at(1);
  cluster_->Signal(killed, SIGKILL);
  const auto killed_at = std::chrono::steady_clock::now();
  Result<std::map<int, int>> after = cluster_->WaitForLeaders(20s);
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_NE(after->at(1), killed);
  std::cout << "partition 1: broker " << after->at(1) << " leads "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - killed_at)
                   .count()
            << " ms after broker " << killed << " was killed\n";

  json summary = load.get();
  EXPECT_EQ(summary["acknowledged"], 600);
  EXPECT_EQ(summary["completed"], 600);
  EXPECT_TRUE(summary["missing"].empty()) << summary.dump();

  // The killed broker comes back from its journal and serves again: with it
  // the cluster runs more instances, and it knows every partition's leader.
  ASSERT_TRUE(cluster_->StartBroker(killed).ok());
  Result<std::map<int, int>> rejoined = cluster_->WaitForLeaders(30s, killed);
  ASSERT_TRUE(rejoined.ok()) << rejoined.status().ToString();
  json again = ZeebeNodeLoad(60, 100, 60);
  EXPECT_EQ(again["completed"], 60);
}

// A rolling update: each broker in turn stopped with SIGTERM (exit 0) and
// started again on its data, under load. Every instance started is
// acknowledged and completed; the client only ever had to retry.
TEST_F(ClusterTest, RollingRestartUnderLoadLosesNothing) {
  std::future<json> load =
      std::async(std::launch::async, [&] { return ZeebeNodeLoad(600, 40, 120); });
  for (int n = 0; n < 3; ++n) {
    std::this_thread::sleep_for(1s);
    cluster_->Signal(n, SIGTERM);
    EXPECT_EQ(cluster_->WaitExit(n, 20s), 0) << "broker " << n;
    ASSERT_TRUE(cluster_->StartBroker(n).ok());
    Result<std::map<int, int>> leaders = cluster_->WaitForLeaders(30s, n);
    ASSERT_TRUE(leaders.ok()) << "broker " << n << ": " << leaders.status().ToString();
  }
  json summary = load.get();
  EXPECT_EQ(summary["acknowledged"], 600);
  EXPECT_EQ(summary["completed"], 600);
  EXPECT_TRUE(summary["missing"].empty()) << summary.dump();
}

// `waggle stream` tails partition 1 from position 1 through broker 0, which is
// then SIGKILLed under load: the stream goes on at another broker from the
// next record, so the printed positions run from 1 without a gap or a repeat.
TEST_F(ClusterTest, StreamFollowsAPartitionAcrossABrokerKill) {
  EXPECT_EQ(ZeebeNodeLoad(30, 100, 60)["completed"], 30);
  const std::string out = cluster_->directory() + "/stream.out";
  const std::string err = cluster_->directory() + "/stream.err";
  Result<pid_t> stream = cmd::Spawn(
      WAGGLE_BINARY,
      {"stream", "--brokers", cluster_->command_addresses(), "--partition", "1", "--from", "1"},
      out, err);
  ASSERT_TRUE(stream.ok()) << stream.status().ToString();
  auto positions = [&] {
    std::vector<int64_t> seen;
    std::ifstream in(out);
    for (std::string line; std::getline(in, line);) {
      json record = json::parse(line, nullptr, false);
      if (record.is_discarded()) break;  // a line being written
      EXPECT_EQ(record["partitionId"], 1);
      seen.push_back(record["position"].get<int64_t>());
    }
    return seen;
  };
  auto wait_for = [&](size_t count) {
    for (int i = 0; i < 200 && positions().size() < count; ++i) std::this_thread::sleep_for(50ms);
    return positions().size();
  };
  const size_t before = wait_for(100);
  ASSERT_GE(before, 100u);
  cluster_->Signal(0, SIGKILL);
  EXPECT_EQ(ZeebeNodeLoad(30, 100, 60)["completed"], 30);
  const size_t after = wait_for(before + 100);
  ::kill(*stream, SIGKILL);
  ::waitpid(*stream, nullptr, 0);
  EXPECT_GE(after, before + 100);
  const std::vector<int64_t> seen = positions();
  for (size_t i = 0; i < seen.size(); ++i) ASSERT_EQ(seen[i], static_cast<int64_t>(i) + 1);
  std::ifstream errors(err);
  std::stringstream text;
  text << errors.rdbuf();
  EXPECT_NE(text.str().find("going on from position"), std::string::npos) << text.str();
}

class ExportingClusterTest : public ClusterTest {
 protected:
  // Every broker exports to JSON-lines files in export-<n>/ of the cluster's
  // directory.
  std::string ExportDirectory(int n) const {
    return cluster_->directory() + "/export-" + std::to_string(n);
  }
  std::string ExportersYaml(int n) const override {
    return "      files:\n        type: file\n        args:\n          directory: " +
           ExportDirectory(n) + "\n";
  }

  struct Exported {
    std::map<int, std::set<int64_t>> positions;  // by partition
    std::set<int64_t> completed_instances;       // process ELEMENT_COMPLETED
  };

  // The union of what every broker's file exporter wrote.
  Exported ReadExports() {
    Exported out;
    for (int n = 0; n < 3; ++n) {
      std::error_code ec;
      for (const auto& file : std::filesystem::directory_iterator(ExportDirectory(n), ec)) {
        std::ifstream in(file.path());
        std::string line;
        while (std::getline(in, line)) {
          json record = json::parse(line, nullptr, false);
          if (record.is_discarded()) continue;  // a line being written
          out.positions[record["partitionId"].get<int>()].insert(record["position"].get<int64_t>());
          const json& value = record["value"];
          if (record["valueType"] == "PROCESS_INSTANCE" &&
              record["intent"] == "ELEMENT_COMPLETED" &&
              value.value("bpmnElementType", "") == "PROCESS") {
            out.completed_instances.insert(value["processInstanceKey"].get<int64_t>());
          }
        }
      }
    }
    return out;
  }
};

// Issue 6's failover proof: a partition leader SIGKILLed under load; the
// exported records of every partition, over all brokers, still run from
// position 1 without a gap, and every acknowledged instance's completion is
// among them.
TEST_F(ExportingClusterTest, ExportsHaveNoGapAcrossALeaderKill) {
  std::future<json> load =
      std::async(std::launch::async, [&] { return ZeebeNodeLoad(300, 100, 90); });
  std::this_thread::sleep_for(1500ms);
  Result<std::map<int, int>> leaders = cluster_->WaitForLeaders(5s);
  ASSERT_TRUE(leaders.ok()) << leaders.status().ToString();
  cluster_->Signal(leaders->at(2), SIGKILL);
  json summary = load.get();
  ASSERT_EQ(summary["completed"], 300) << summary.dump();

  // Exports settle: every partition contiguous from 1, every instance in.
  Exported exported;
  std::string problem;
  for (int attempt = 0; attempt < 300; ++attempt) {
    exported = ReadExports();
    problem.clear();
    for (int p = 1; p <= 3; ++p) {
      const std::set<int64_t>& positions = exported.positions[p];
      if (positions.empty() || *positions.begin() != 1 ||
          *positions.rbegin() != static_cast<int64_t>(positions.size())) {
        problem += "partition " + std::to_string(p) + ": " + std::to_string(positions.size()) +
                   " positions, last " +
                   std::to_string(positions.empty() ? 0 : *positions.rbegin()) + "; ";
      }
    }
    if (exported.completed_instances.size() < 300) {
      problem += std::to_string(exported.completed_instances.size()) + " completed instances";
    }
    if (problem.empty()) break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(problem, "");
  for (int p = 1; p <= 3; ++p) {
    std::cout << "partition " << p << ": " << exported.positions[p].size() << " records exported\n";
  }
}

// Brokers that snapshot every second (and so compact their logs), read
// through their monitoring ports: /partitions, /partitions/digest, /metrics.
class SnapshottingClusterTest : public ClusterTest {
 protected:
  std::vector<std::string> ExtraBrokerFlags() const override {
    return {"--data.snapshotPeriod=1s"};
  }

  // Broker n's JSON array at `path`, by partition id; empty if it does not
  // answer.
  std::map<int, json> ByPartition(int n, const std::string& path) {
    std::map<int, json> out;
    test_http::HttpResult r = test_http::HttpGet(cluster_->monitoring_port(n), path);
    json doc = json::parse(r.body, nullptr, false);
    if (r.status != 200 || !doc.is_array()) return out;
    for (const json& p : doc) out[p["partition"].get<int>()] = p;
    return out;
  }

  // The value of broker n's series `name{partition="p"}`, -1 if absent.
  double Metric(int n, const std::string& name, int partition) {
    test_http::HttpResult r = test_http::HttpGet(cluster_->monitoring_port(n), "/metrics");
    const std::string series = name + "{partition=\"" + std::to_string(partition) + "\"} ";
    std::istringstream lines(r.body);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind(series, 0) == 0) return std::stod(line.substr(series.size()));
    }
    return -1;
  }

  // Polls `done` every 200 ms for at most `timeout`.
  static bool Eventually(std::chrono::milliseconds timeout, const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (done()) return true;
      std::this_thread::sleep_for(200ms);
    }
    return done();
  }

  // Waits until every broker reports every partition's state at the same
  // applied index and positions (the state digest and those are read
  // together), then expects the digests to agree.
  void ExpectSameStateEverywhere() {
    std::map<int, std::vector<json>> states;  // by partition, in broker order
    const bool settled = Eventually(30s, [&] {
      states.clear();
      for (int n = 0; n < cluster_->brokers(); ++n) {
        for (auto& [p, d] : ByPartition(n, "/partitions/digest")) states[p].push_back(d);
      }
      if (states.size() != 3) return false;
      for (const auto& [p, members] : states) {
        if (members.size() != 3 || members[0].contains("error")) return false;
        for (const json& m : members) {
          if (m["appliedIndex"] != members[0]["appliedIndex"] ||
              m["position"] != members[0]["position"] ||
              m["processedPosition"] != members[0]["processedPosition"]) {
            return false;
          }
        }
      }
      return true;
    });
    ASSERT_TRUE(settled) << "the members never reached the same positions: " << json(states).dump();
    for (const auto& [p, members] : states) {
      for (const json& m : members) {
        EXPECT_EQ(m["digest"], members[0]["digest"])
            << "partition " << p << ": " << json(members).dump();
      }
      std::cout << "partition " << p << ": digest " << members[0]["digest"].get<std::string>()
                << " at position " << members[0]["position"] << " on every broker\n";
    }
  }
};

// A broker SIGKILLed under load, with a snapshot of every partition in its
// journal and log entries after it, restarts from them and reaches the state
// its peers hold, digest for digest.
TEST_F(SnapshottingClusterTest, BrokerRestartedAfterSigkillReplaysToThePeersState) {
  const int victim = 2;
  EXPECT_EQ(ZeebeNodeLoad(100, 100, 60)["completed"], 100);
  // Instances left waiting at their job, so that the state holds some.
  for (int i = 0; i < 6; ++i) ZbctlJson("create instance one-task");
  std::future<json> load =
      std::async(std::launch::async, [&] { return ZeebeNodeLoad(300, 100, 90); });
  std::map<int, json> before;
  ASSERT_TRUE(Eventually(30s, [&] {
    before = ByPartition(victim, "/partitions");
    if (before.size() != 3) return false;
    for (const auto& [p, s] : before) {
      if (s["snapshotIndex"] == 0 || s["appliedIndex"] <= s["snapshotIndex"]) return false;
    }
    return true;
  })) << json(before).dump();
  cluster_->Signal(victim, SIGKILL);
  for (const auto& [p, s] : before) {
    std::cout << "partition " << p << ": broker " << victim << " killed with a snapshot at index "
              << s["snapshotIndex"] << ", applied " << s["appliedIndex"] << "\n";
  }
  ASSERT_TRUE(cluster_->StartBroker(victim).ok());

  json summary = load.get();
  EXPECT_EQ(summary["acknowledged"], 300);
  EXPECT_EQ(summary["completed"], 300);
  // Each of its partitions started from its snapshot, then replayed the log.
  const std::string restarted = "[broker-" + std::to_string(victim) + "] ";
  std::istringstream output(cluster_->AllOutput());
  std::set<std::string> started_from_snapshot;
  for (std::string line; std::getline(output, line);) {
    const size_t at = line.find("started from the snapshot");
    if (line.rfind(restarted, 0) == 0 && at != std::string::npos) {
      started_from_snapshot.insert(line.substr(line.find("partition "), 12));
    }
  }
  EXPECT_EQ(started_from_snapshot.size(), 3u) << cluster_->AllOutput();
  ExpectSameStateEverywhere();
}

// A follower frozen (SIGSTOP) while the leaders snapshot and compact their
// logs past everything it holds catches up, once resumed, by installing
// their snapshots, and then holds the same state as its peers.
TEST_F(SnapshottingClusterTest, FrozenFollowerCatchesUpThroughSnapshotInstalls) {
  const int frozen = 1;
  EXPECT_EQ(ZeebeNodeLoad(50, 100, 60)["completed"], 50);
  cluster_->Signal(frozen, SIGSTOP);
  // The frozen broker holds no entry beyond what the others held after it stopped.
  std::map<int, int64_t> last_index;
  for (int n = 0; n < cluster_->brokers(); ++n) {
    if (n == frozen) continue;
    for (const auto& [p, s] : ByPartition(n, "/partitions")) {
      last_index[p] = std::max(last_index[p], s["lastLogIndex"].get<int64_t>());
    }
  }
  ASSERT_EQ(last_index.size(), 3u);
  // The others lead every partition before the load starts, so that fewer
  // requests wait out their timeout at the frozen broker (it leads a
  // partition, and holds its connections open).
  ASSERT_TRUE(Eventually(30s, [&] {
    std::set<int> led;
    for (int n = 0; n < cluster_->brokers(); ++n) {
      if (n == frozen) continue;
      for (const auto& [p, s] : ByPartition(n, "/partitions")) {
        if (s["role"] == "leader") led.insert(p);
      }
    }
    return led.size() == 3;
  }));
  std::future<json> load =
      std::async(std::launch::async, [&] { return ZeebeNodeLoad(200, 100, 90); });
  // Every partition's leader snapshots, and compacts its log, past that.
  std::string seen;
  const bool compacted = Eventually(60s, [&] {
    std::set<int> past;
    seen.clear();
    for (int n = 0; n < cluster_->brokers(); ++n) {
      if (n == frozen) continue;
      for (const auto& [p, s] : ByPartition(n, "/partitions")) {
        if (s["role"] == "leader" && s["snapshotIndex"].get<int64_t>() > last_index[p]) {
          past.insert(p);
        }
        seen += s.dump() + "\n";
      }
    }
    return past.size() == 3;
  });
  json summary = load.get();
  EXPECT_EQ(summary["completed"], 200);
  cluster_->Signal(frozen, SIGCONT);
  ASSERT_TRUE(compacted) << seen;
  for (int p = 1; p <= 3; ++p) {
    EXPECT_TRUE(
        Eventually(30s, [&] { return Metric(frozen, "waggle_snapshot_installs_total", p) >= 1; }))
        << "partition " << p;
  }
  ExpectSameStateEverywhere();
}

// Exports to a real redis-server (tests/exporters/redis_server.h: AOF,
// appendfsync always) from every broker, snapshots every second so that
// compaction runs.
class RedisExportingClusterTest : public ClusterTest {
 protected:
  void SetUp() override {
    ASSERT_TRUE(redis_.Start());
    ClusterTest::SetUp();
  }

  std::string ExportersYaml(int /*n*/) const override {
    return "      redis:\n        type: redis\n        args:\n          port: " +
           std::to_string(redis_.port()) +
           "\n          flushIntervalMs: 50\n          timeoutMs: 500\n";
  }
  std::vector<std::string> ExtraBrokerFlags() const override {
    return {"--data.snapshotPeriod=1s"};
  }

  // The leaders' waggle_exporter_lag and waggle_exporter_position of the
  // Redis exporter, by partition, from every running broker's /metrics.
  struct ExporterMetrics {
    std::map<int, int64_t> lag, position;
    int64_t total_lag() const {
      int64_t total = 0;
      for (const auto& [partition, lag] : lag) total += lag;
      return total;
    }
  };
  ExporterMetrics ScrapeExporters() const {
    ExporterMetrics out;
    for (int n = 0; n < cluster_->brokers(); ++n) {
      if (!cluster_->running(n)) continue;
      test_http::HttpResult metrics = test_http::HttpGet(cluster_->monitoring_port(n), "/metrics");
      std::istringstream lines(metrics.body);
      std::string line;
      while (std::getline(lines, line)) {
        const bool lag = line.starts_with("waggle_exporter_lag{");
        if (!(lag || line.starts_with("waggle_exporter_position{")) ||
            line.find("exporter=\"redis\"") == std::string::npos) {
          continue;
        }
        const size_t label = line.find("partition=\"");
        const size_t value = line.rfind(' ');
        if (label == std::string::npos || value == std::string::npos) continue;
        const int partition = std::stoi(line.substr(label + 11));
        (lag ? out.lag : out.position)[partition] =
            static_cast<int64_t>(std::stod(line.substr(value + 1)));
      }
    }
    return out;
  }

  // The first position broker n's log still holds for `partition` (what
  // compaction left), through the command API's StreamRecords; -1 if none.
  int64_t FirstPositionInLog(int n, int partition) const {
    std::vector<std::string> addresses;
    std::stringstream all(cluster_->command_addresses());
    for (std::string address; std::getline(all, address, ',');) addresses.push_back(address);
    auto stub = broker_api::BrokerApi::NewStub(
        grpc::CreateChannel(addresses.at(n), grpc::InsecureChannelCredentials()));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 5s);
    broker_api::StreamRecordsRequest request;
    request.set_partition_id(partition);
    request.set_from_position(0);
    std::unique_ptr<grpc::ClientReader<broker_api::RecordBatch>> reader =
        stub->StreamRecords(&context, request);
    broker_api::RecordBatch batch;
    const int64_t first =
        reader->Read(&batch) && batch.records_size() > 0 ? batch.records(0).position() : -1;
    context.TryCancel();
    return first;
  }

  // Each partition's last committed record position, from the leaders'
  // /partitions.
  std::map<int, int64_t> CommitPositions() const {
    std::map<int, int64_t> out;
    for (int n = 0; n < cluster_->brokers(); ++n) {
      json partitions = json::parse(
          test_http::HttpGet(cluster_->monitoring_port(n), "/partitions").body, nullptr, false);
      if (!partitions.is_array()) continue;
      for (const json& p : partitions) {
        if (p.value("role", "") == "leader") {
          out[p["partition"].get<int>()] = p["commitPosition"].get<int64_t>();
        }
      }
    }
    return out;
  }

  // Every (partition, position) in the streams, and how many entries there are.
  std::map<int, std::set<int64_t>> ReadStreams(size_t* entries) const {
    std::map<int, std::set<int64_t>> out;
    *entries = 0;
    Result<std::unique_ptr<exporters::RedisConnection>> redis = redis_.Connect();
    if (!redis.ok()) return out;
    std::string_view keys[] = {"KEYS", "zeebe:*"};
    Result<exporters::RedisReply> names = (*redis)->Command(keys);
    if (!names.ok()) return out;
    for (const exporters::RedisReply& name : names->elements) {
      if (name.str.starts_with("zeebe:exporter:")) continue;  // high-water marks
      for (const exporters::testing::StreamEntry& entry :
           exporters::testing::XRange(**redis, name.str)) {
        out[std::stoi(entry.fields.at("partitionId"))].insert(
            std::stoll(entry.fields.at("position")));
        ++*entries;
      }
    }
    return out;
  }

  exporters::testing::RedisServer redis_;
};

// Issue 6's outage proof: redis-server frozen (SIGSTOP: replies time out),
// then killed (connections refused) under zeebe-node load, and restarted on
// the same port from its AOF. Meanwhile the exporters of the 3 partition
// leaders retry, their lag grows, compaction keeps every record after their
// acknowledged positions, and afterwards every committed record of every
// partition is in the streams, without a gap.
TEST_F(RedisExportingClusterTest, NoRecordIsLostWhileRedisIsDown) {
  std::future<json> load =
      std::async(std::launch::async, [&] { return ZeebeNodeLoad(400, 40, 90); });
  std::this_thread::sleep_for(2500ms);
  const ExporterMetrics before = ScrapeExporters();
  redis_.Stop();
  std::this_thread::sleep_for(2500ms);
  const ExporterMetrics frozen = ScrapeExporters();
  redis_.Kill();
  std::this_thread::sleep_for(2500ms);
  const ExporterMetrics down = ScrapeExporters();
  std::cout << "exporter lag (all partitions): before " << before.total_lag() << ", frozen "
            << frozen.total_lag() << ", down " << down.total_lag() << "\n";
  EXPECT_EQ(down.lag.size(), 3u);
  EXPECT_GT(frozen.total_lag(), before.total_lag());
  EXPECT_GT(down.total_lag(), frozen.total_lag());
  // Compaction waits: no member's log starts after the record following the
  // leader's acknowledged position (the replicated one, which bounds
  // snapshots, is at most that).
  for (const auto& [partition, acknowledged] : down.position) {
    for (int n = 0; n < cluster_->brokers(); ++n) {
      const int64_t first = FirstPositionInLog(n, partition);
      std::cout << "partition " << partition << ", broker " << n << ": exporter at " << acknowledged
                << ", log starts at " << first << "\n";
      EXPECT_LE(first, acknowledged + 1) << "partition " << partition << ", broker " << n;
    }
  }
  ASSERT_TRUE(redis_.Start());

  json summary = load.get();
  ASSERT_EQ(summary["completed"], 400) << summary.dump();

  // Everything arrives: each partition's streams hold 1..its commit position.
  std::string problem;
  std::map<int, std::set<int64_t>> exported;
  size_t entries = 0;
  for (int attempt = 0; attempt < 150; ++attempt) {
    const std::map<int, int64_t> committed = CommitPositions();
    exported = ReadStreams(&entries);
    problem.clear();
    for (int p = 1; p <= 3; ++p) {
      const std::set<int64_t>& positions = exported[p];
      const int64_t last = committed.contains(p) ? committed.at(p) : -1;
      if (last <= 0 || positions.size() != static_cast<size_t>(last) || *positions.begin() != 1 ||
          *positions.rbegin() != last) {
        problem += "partition " + std::to_string(p) + ": committed " + std::to_string(last) + ", " +
                   std::to_string(positions.size()) + " positions in Redis; ";
      }
    }
    if (problem.empty()) break;
    std::this_thread::sleep_for(200ms);
  }
  EXPECT_EQ(problem, "");
  size_t distinct = 0;
  for (const auto& [partition, positions] : exported) distinct += positions.size();
  std::cout << distinct << " records in Redis, " << entries - distinct << " duplicates\n";
  // Compaction resumes once the exporters are past where they stood:
  // every member's log eventually starts after that position.
  for (const auto& [partition, stuck_at] : down.position) {
    for (int n = 0; n < cluster_->brokers(); ++n) {
      int64_t first = -1;
      for (int attempt = 0; attempt < 50 && first <= stuck_at; ++attempt) {
        first = FirstPositionInLog(n, partition);
        if (first <= stuck_at) std::this_thread::sleep_for(200ms);
      }
      EXPECT_GT(first, stuck_at) << "partition " << partition << ", broker " << n;
    }
  }
}

// The README's main command, with its demo, on free ports: starts, runs an
// instance through zbctl, stops everything and exits 0.
TEST(RunClusterScriptTest, DemoRunsAnInstanceAndStopsCleanly) {
  // The gateway, 3 brokers at base + 1 + 10n (+0, +1, +2), the gateway's
  // monitoring port last.
  Result<int> base = cmd::FreePortRange(2 + 10 * 3);
  ASSERT_TRUE(base.ok()) << base.status().ToString();
  const std::string gateway_monitoring = std::to_string(*base + 1 + 10 * 3);
  ShellResult out =
      RunShell("cd " WAGGLE_SOURCE_DIR " && WAGGLE_BINARY=" WAGGLE_BINARY " WAGGLE_GATEWAY_PORT=" +
               std::to_string(*base) + " WAGGLE_BROKER_PORT=" + std::to_string(*base + 1) +
               " WAGGLE_GATEWAY_MONITORING_PORT=" + gateway_monitoring +
               " timeout 120 scripts/run-cluster.sh --no-wait");
  EXPECT_EQ(out.exit_code, 0) << out.text;
  EXPECT_NE(out.text.find("metrics http://127.0.0.1:" + gateway_monitoring + "/metrics"),
            std::string::npos)
      << out.text;
  EXPECT_NE(out.text.find("Completed job with key"), std::string::npos) << out.text;
  EXPECT_NE(out.text.find("waggle is running"), std::string::npos) << out.text;
  for (int n = 0; n < 3; ++n) {
    EXPECT_NE(out.text.find("[broker " + std::to_string(n) + "] "), std::string::npos);
    EXPECT_NE(out.text.find("broker " + std::to_string(n) + ": stopped"), std::string::npos)
        << out.text;
  }
}

}  // namespace
}  // namespace waggle::test_processes
