#include "tests/process/cluster_processes.h"

#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

namespace waggle::test_processes {

namespace api = waggle::broker_api;
using namespace std::chrono_literals;

ShellResult RunShell(const std::string& command) {
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return {-1, "popen failed"};
  std::string text;
  char buffer[4096];
  while (size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) text.append(buffer, n);
  const int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, text};
}

Result<std::unique_ptr<ClusterProcesses>> ClusterProcesses::Create(ClusterOptions options) {
  Result<std::unique_ptr<cmd::TempDir>> dir = cmd::TempDir::Create("waggle-cluster");
  if (!dir.ok()) return dir.status();
  // Broker n: command API base + 2n, internal base + 2n + 1 (one distance for
  // all, as the brokers derive their peers' command APIs from it).
  Result<int> base = cmd::FreePortRange(2 * options.brokers);
  if (!base.ok()) return base.status();
  Result<std::vector<int>> ports = cmd::FreePorts(2 + options.brokers);
  if (!ports.ok()) return ports.status();
  return std::unique_ptr<ClusterProcesses>(
      new ClusterProcesses(std::move(options), std::move(*dir), *base, *ports));
}

ClusterProcesses::ClusterProcesses(ClusterOptions options, std::unique_ptr<cmd::TempDir> dir,
                                   int base_port, const std::vector<int>& ports)
    : options_(std::move(options)),
      dir_(std::move(dir)),
      gateway_port_(ports.at(0)),
      gateway_monitoring_port_(ports.at(1)) {
  for (int n = 0; n < options_.brokers; ++n) {
    brokers_[n].command_port = base_port + 2 * n;
    brokers_[n].monitoring_port = ports.at(2 + n);
  }
}

ClusterProcesses::~ClusterProcesses() {
  for (auto& [n, broker] : brokers_) {
    if (broker.pid > 0) Signal(n, SIGKILL);
  }
  if (gateway_pid_ > 0) {
    ::kill(gateway_pid_, SIGKILL);
    ::waitpid(gateway_pid_, nullptr, 0);
  }
}

std::string ClusterProcesses::LogFile(const std::string& name) const {
  return dir_->path() + "/" + name + ".log";
}

Status ClusterProcesses::StartAll() {
  for (const auto& [n, broker] : brokers_) {
    if (Status s = StartBroker(n); !s.ok()) return s;
  }
  Result<pid_t> pid =
      cmd::Spawn(options_.waggle_binary,
                 {"gateway", "--host", "127.0.0.1", "--port", std::to_string(gateway_port_),
                  "--monitoring-port", std::to_string(gateway_monitoring_port_), "--contact-points",
                  command_addresses()},
                 LogFile("gateway"), LogFile("gateway"));
  if (!pid.ok()) return pid.status();
  gateway_pid_ = *pid;
  return Status::OK();
}

std::string ClusterProcesses::command_addresses() const {
  std::string list;
  for (const auto& [n, broker] : brokers_) {
    list +=
        (list.empty() ? "" : ",") + std::string("127.0.0.1:") + std::to_string(broker.command_port);
  }
  return list;
}

Status ClusterProcesses::StartBroker(int n) {
  Process& broker = brokers_.at(n);
  if (broker.pid > 0) return Status::InvalidArgument("broker " + std::to_string(n) + " runs");
  std::string contact_points;
  for (const auto& [other, b] : brokers_) {
    contact_points += (contact_points.empty() ? "" : ",") + std::string("127.0.0.1:") +
                      std::to_string(b.command_port + 1);
  }
  std::vector<std::string> args = {
      "broker",
      "--cluster.nodeId=" + std::to_string(n),
      "--cluster.clusterSize=" + std::to_string(options_.brokers),
      "--cluster.partitionsCount=" + std::to_string(options_.partitions),
      "--cluster.replicationFactor=" + std::to_string(options_.replication_factor),
      "--cluster.initialContactPoints=" + contact_points,
      "--network.host=127.0.0.1",
      "--network.commandApi.port=" + std::to_string(broker.command_port),
      "--network.internalApi.port=" + std::to_string(broker.command_port + 1),
      "--network.monitoringApi.port=" + std::to_string(broker.monitoring_port),
      "--data.directory=" + dir_->path() + "/broker-" + std::to_string(n),
  };
  args.insert(args.end(), options_.broker_flags.begin(), options_.broker_flags.end());
  const std::string yaml = options_.broker_yaml ? options_.broker_yaml(n) : "";
  if (!yaml.empty()) {
    const std::string file = dir_->path() + "/broker-" + std::to_string(n) + ".yaml";
    std::ofstream(file) << yaml;
    args.push_back("--config=" + file);
  }
  const std::string log = LogFile("broker-" + std::to_string(n));
  Result<pid_t> pid = cmd::Spawn(options_.waggle_binary, args, log, log);
  if (!pid.ok()) return pid.status();
  broker.pid = *pid;
  return Status::OK();
}

void ClusterProcesses::Signal(int n, int signal) {
  Process& broker = brokers_.at(n);
  if (broker.pid <= 0) return;
  ::kill(broker.pid, signal);
  if (signal == SIGKILL) {
    ::waitpid(broker.pid, nullptr, 0);
    broker.pid = -1;
  }
}

int ClusterProcesses::WaitExit(int n, std::chrono::milliseconds timeout) {
  Process& broker = brokers_.at(n);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (broker.pid > 0 && std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(broker.pid, &status, WNOHANG) == broker.pid) {
      broker.pid = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    std::this_thread::sleep_for(20ms);
  }
  return -1;
}

Result<api::Topology> ClusterProcesses::Topology(int n) const {
  // A fresh channel each time, rather than wait out gRPC's reconnect back-off
  // after a restart.
  auto stub = api::BrokerApi::NewStub(
      grpc::CreateChannel("127.0.0.1:" + std::to_string(brokers_.at(n).command_port),
                          grpc::InsecureChannelCredentials()));
  api::Topology topology;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + 1s);
  grpc::Status s = stub->GetTopology(&context, api::GetTopologyRequest(), &topology);
  if (!s.ok()) return Status::Unavailable(s.error_message());
  return topology;
}

Result<std::map<int, int>> ClusterProcesses::WaitForLeaders(std::chrono::milliseconds timeout,
                                                            int asked) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string last = "no broker answered";
  while (std::chrono::steady_clock::now() < deadline) {
    for (const auto& [n, broker] : brokers_) {
      if (broker.pid <= 0 || (asked >= 0 && n != asked)) continue;
      Result<api::Topology> topology = Topology(n);
      if (!topology.ok()) continue;
      std::map<int, int> leaders;
      for (const api::BrokerInfo& b : topology->brokers()) {
        for (const api::PartitionInfo& p : b.partitions()) {
          if (p.role() == api::PartitionInfo::LEADER && running(b.node_id())) {
            leaders[p.partition_id()] = b.node_id();
          }
        }
      }
      if (static_cast<int>(leaders.size()) == options_.partitions) return leaders;
      last =
          "broker " + std::to_string(n) + " knows " + std::to_string(leaders.size()) + " leader(s)";
    }
    std::this_thread::sleep_for(50ms);
  }
  return Status::Unavailable("not every partition has a leader: " + last);
}

ShellResult ClusterProcesses::ZeebeNodeLoad(const std::string& bpmn, const std::string& process_id,
                                            const std::string& job_type, int count, int rate,
                                            int timeout_seconds) const {
  return RunShell("NODE_PATH=" WAGGLE_NPM_CLIENTS_DIR "/node_modules node " WAGGLE_SOURCE_DIR
                  "/tests/process/zeebe_node_load.js " +
                  gateway_address() + " " + bpmn + " " + process_id + " " + job_type + " " +
                  std::to_string(count) + " " + std::to_string(rate) + " " +
                  std::to_string(timeout_seconds));
}

std::string ClusterProcesses::AllOutput() const {
  std::string out;
  std::vector<std::string> names = {"gateway"};
  for (const auto& [n, broker] : brokers_) names.push_back("broker-" + std::to_string(n));
  for (const std::string& name : names) {
    std::ifstream in(LogFile(name));
    std::string line;
    while (std::getline(in, line)) out += "[" + name + "] " + line + "\n";
  }
  return out;
}

std::string ClusterProcesses::KeepData() {
  dir_->Keep();
  return dir_->path();
}

}  // namespace waggle::test_processes
