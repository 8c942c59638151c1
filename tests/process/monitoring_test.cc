// The monitoring port end to end: three `waggle broker` processes and
// `waggle gateway` (ClusterProcesses), their probes, their /metrics accepted
// by `promtool check metrics`, and a real Prometheus server on loopback
// scraping all four. Prometheus's HTTP API must then agree with the cluster:
// one leader per partition, the one the brokers report; the commit index
// rising under load from the zeebe-node client; the instances, jobs and
// gateway calls of that load counted.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/monitoring/http_get.h"
#include "tests/process/cluster_processes.h"

namespace waggle::test_processes {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;
using test_http::HttpGet;

constexpr char kOneTask[] = WAGGLE_SOURCE_DIR "/docs/examples/one-task.bpmn";

// Polls `fn` every 200 ms until it returns true or `timeout` passes.
bool Eventually(std::chrono::milliseconds timeout, const std::function<bool()>& fn) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (fn()) return true;
    std::this_thread::sleep_for(200ms);
  }
  return fn();
}

class MonitoringTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ClusterOptions options;
    options.waggle_binary = WAGGLE_BINARY;
    options.broker_flags = {"--cluster.raft.heartbeatInterval=100ms",
                            "--cluster.raft.electionTimeout=1s"};
    auto cluster = ClusterProcesses::Create(options);
    ASSERT_TRUE(cluster.ok()) << cluster.status().ToString();
    cluster_ = std::move(*cluster);
    ASSERT_TRUE(cluster_->StartAll().ok());
  }

  void TearDown() override {
    if (prometheus_pid_ > 0) {
      ::kill(prometheus_pid_, SIGTERM);
      ::waitpid(prometheus_pid_, nullptr, 0);
    }
    if (HasFailure()) {
      std::cerr << cluster_->AllOutput() << "data kept in " << cluster_->KeepData() << "\n";
    }
  }

  // Every target: the brokers' monitoring ports, then the gateway's.
  std::vector<int> MonitoringPorts() const {
    std::vector<int> ports;
    for (int n = 0; n < cluster_->brokers(); ++n) ports.push_back(cluster_->monitoring_port(n));
    ports.push_back(cluster_->gateway_monitoring_port());
    return ports;
  }

  // Starts Prometheus scraping every target each second; its HTTP port.
  int StartPrometheus() {
    Result<std::vector<int>> port = cmd::FreePorts(1);
    EXPECT_TRUE(port.ok());
    const std::string dir = cluster_->directory() + "/prometheus";
    std::string brokers, gateway;
    for (int n = 0; n < cluster_->brokers(); ++n) {
      brokers += "'127.0.0.1:" + std::to_string(cluster_->monitoring_port(n)) + "', ";
    }
    std::ofstream(cluster_->directory() + "/prometheus.yml")
        << "global:\n"
           "  scrape_interval: 1s\n"
           "  scrape_timeout: 1s\n"
           "scrape_configs:\n"
           "  - job_name: waggle-broker\n"
           "    static_configs:\n"
           "      - targets: ["
        << brokers
        << "]\n"
           "  - job_name: waggle-gateway\n"
           "    static_configs:\n"
           "      - targets: ['127.0.0.1:"
        << cluster_->gateway_monitoring_port() << "']\n";
    Result<pid_t> pid = cmd::Spawn(
        "/usr/bin/prometheus",
        {"--config.file=" + cluster_->directory() + "/prometheus.yml", "--storage.tsdb.path=" + dir,
         "--web.listen-address=127.0.0.1:" + std::to_string((*port)[0]), "--log.level=warn"},
        cluster_->directory() + "/prometheus.log", cluster_->directory() + "/prometheus.log");
    EXPECT_TRUE(pid.ok()) << pid.status().ToString();
    prometheus_pid_ = pid.ok() ? *pid : -1;
    return (*port)[0];
  }

  // The result vector of an instant query (empty on any error).
  json Query(int prometheus, const std::string& promql) {
    test_http::HttpResult r =
        HttpGet(prometheus, "/api/v1/query?query=" + test_http::UrlEncode(promql));
    json body = json::parse(r.body, nullptr, false);
    if (r.status != 200 || body.is_discarded() || body.value("status", "") != "success") {
      return json::array();
    }
    return body["data"]["result"];
  }

  // An instant query's values by the value of `label`.
  std::map<std::string, double> QueryBy(int prometheus, const std::string& promql,
                                        const std::string& label) {
    std::map<std::string, double> values;
    for (const json& sample : Query(prometheus, promql)) {
      values[sample["metric"].value(label, "")] = std::stod(sample["value"][1].get<std::string>());
    }
    return values;
  }

  double QueryScalar(int prometheus, const std::string& promql) {
    json result = Query(prometheus, promql);
    return result.empty() ? -1 : std::stod(result[0]["value"][1].get<std::string>());
  }

  std::unique_ptr<ClusterProcesses> cluster_;
  pid_t prometheus_pid_ = -1;
};

TEST_F(MonitoringTest, PrometheusScrapesEveryProcessAndAgreesWithTheCluster) {
  // Probes: every broker and the gateway become ready.
  for (int port : MonitoringPorts()) {
    EXPECT_TRUE(Eventually(10s, [&] { return HttpGet(port, "/health").status == 200; })) << port;
    EXPECT_TRUE(Eventually(30s, [&] { return HttpGet(port, "/ready").status == 200; }))
        << port << ": " << HttpGet(port, "/ready").body;
    EXPECT_EQ(HttpGet(port, "/startup").status, 200) << port;
  }
  Result<std::map<int, int>> leaders = cluster_->WaitForLeaders(10s);
  ASSERT_TRUE(leaders.ok()) << leaders.status().ToString();
  for (int n = 0; n < cluster_->brokers(); ++n) {
    json partitions = json::parse(HttpGet(cluster_->monitoring_port(n), "/partitions").body);
    ASSERT_EQ(partitions.size(), 3u) << partitions.dump();
    for (const json& p : partitions) {
      EXPECT_TRUE(p["healthy"].get<bool>()) << p.dump();
      EXPECT_FALSE(p["leader"].is_null()) << p.dump();
    }
  }

  // The text format passes promtool's checks, for every process.
  for (int port : MonitoringPorts()) {
    const std::string file = cluster_->directory() + "/metrics-" + std::to_string(port) + ".txt";
    test_http::HttpResult metrics = HttpGet(port, "/metrics");
    ASSERT_EQ(metrics.status, 200);
    std::ofstream(file) << metrics.body;
    ShellResult check = RunShell("promtool check metrics < " + file);
    EXPECT_EQ(check.exit_code, 0) << port << ": " << check.text;
  }

  const int prometheus = StartPrometheus();
  ASSERT_TRUE(Eventually(30s, [&] { return HttpGet(prometheus, "/-/ready").status == 200; }))
      << "prometheus did not start";
  ASSERT_TRUE(Eventually(30s, [&] { return QueryScalar(prometheus, "sum(up)") == 4; }))
      << Query(prometheus, "up").dump();

  // Exactly one leader per partition, on the broker the cluster names.
  std::map<std::string, std::string> instance_of_broker;
  for (int n = 0; n < cluster_->brokers(); ++n) {
    instance_of_broker[std::to_string(n)] =
        "127.0.0.1:" + std::to_string(cluster_->monitoring_port(n));
  }
  std::map<std::string, double> leader_count;
  ASSERT_TRUE(Eventually(10s, [&] {
    leader_count = QueryBy(prometheus, "count by (partition) (waggle_raft_role == 2)", "partition");
    return leader_count.size() == 3;
  }));
  for (const auto& [partition, count] : leader_count) EXPECT_EQ(count, 1) << partition;
  leaders = cluster_->WaitForLeaders(10s);
  ASSERT_TRUE(leaders.ok());
  for (const json& sample : Query(prometheus, "waggle_raft_role == 2")) {
    const int partition = std::stoi(sample["metric"]["partition"].get<std::string>());
    EXPECT_EQ(sample["metric"]["instance"],
              instance_of_broker[std::to_string(leaders->at(partition))])
        << "partition " << partition;
  }

  // Under load the commit index rises on every partition, and the load's
  // instances, jobs and calls are counted.
  const std::string commit = "max by (partition) (waggle_raft_commit_index)";
  const std::map<std::string, double> before = QueryBy(prometheus, commit, "partition");
  ASSERT_EQ(before.size(), 3u);
  ShellResult load = cluster_->ZeebeNodeLoad(kOneTask, "one-task", "greet", 90, 60, 60);
  std::cout << "zeebe-node: " << load.text;
  ASSERT_EQ(load.exit_code, 0) << load.text;
  EXPECT_TRUE(Eventually(15s, [&] {
    const std::map<std::string, double> after = QueryBy(prometheus, commit, "partition");
    return after.size() == 3 && after.at("1") > before.at("1") && after.at("2") > before.at("2") &&
           after.at("3") > before.at("3");
  })) << Query(prometheus, commit).dump();
  EXPECT_TRUE(Eventually(
      15s,
      [&] {
        return QueryScalar(prometheus, "sum(waggle_process_instances_completed_total)") >= 90 &&
               QueryScalar(prometheus, "sum(waggle_jobs_completed_total)") >= 90 &&
               QueryScalar(prometheus,
                           "sum(waggle_gateway_requests_total{method=\"CreateProcessInstance\","
                           "code=\"OK\"})") >= 90;
      }))
      << Query(prometheus, "sum by (__name__) ({__name__=~\"waggle_(process_instances|jobs)_.*\"})")
             .dump()
      << Query(prometheus, "waggle_gateway_requests_total").dump();
  EXPECT_GE(QueryScalar(prometheus, "sum(waggle_process_instances_created_total)"), 90);
  EXPECT_GT(QueryScalar(prometheus, "sum(waggle_stream_processor_records_total)"), 0);
  EXPECT_GT(QueryScalar(prometheus,
                        "sum(waggle_journal_fsync_latency_seconds_count{job=\"waggle-broker\"})"),
            0);
  EXPECT_GT(QueryScalar(prometheus, "min(process_resident_memory_bytes)"), 0);
}

}  // namespace
}  // namespace waggle::test_processes
