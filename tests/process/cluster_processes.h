// ClusterProcesses: a local waggle cluster of real processes on 127.0.0.1,
// as scripts/run-cluster.sh starts it: `waggle broker` x N (partitions and
// replication factor 3 by default) and one `waggle gateway` in front of them.
// Ports are picked free (monitoring ports too, see monitoring_port()); each
// process's output goes to a file under one
// temporary directory (kept when a test fails). Children die with their
// parent; the destructor SIGKILLs what still runs.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cmd/log_member/member_processes.h"
#include "common/protocol/broker_api.grpc.pb.h"
#include "common/status.h"

namespace waggle::test_processes {

struct ShellResult {
  int exit_code = -1;
  std::string text;  // stdout and stderr
};

// Runs `command` with /bin/sh and waits for it.
ShellResult RunShell(const std::string& command);

struct ClusterOptions {
  std::string waggle_binary;
  int brokers = 3;
  int partitions = 3;
  int replication_factor = 3;
  // Passed to every broker after the cluster's own flags.
  std::vector<std::string> broker_flags;
  // When set and not empty: broker n's YAML configuration file (--config),
  // e.g. exporters.
  std::function<std::string(int n)> broker_yaml;
};

class ClusterProcesses {
 public:
  static Result<std::unique_ptr<ClusterProcesses>> Create(ClusterOptions options);
  ~ClusterProcesses();
  ClusterProcesses(const ClusterProcesses&) = delete;
  ClusterProcesses& operator=(const ClusterProcesses&) = delete;

  // Every broker, then the gateway. REQUIRES: nothing runs yet.
  Status StartAll();
  // REQUIRES: broker n is not running.
  Status StartBroker(int n);
  // Sends `signal`; for SIGKILL also reaps the process.
  void Signal(int n, int signal);
  // Waits for broker n to exit: its exit code, or -1 if it was killed by a
  // signal or still runs after `timeout`.
  int WaitExit(int n, std::chrono::milliseconds timeout);
  bool running(int n) const { return brokers_.at(n).pid > 0; }
  pid_t pid(int n) const { return brokers_.at(n).pid; }

  // Waits until broker `asked` (any running one if -1) reports a leader for
  // every partition; the leaders' node ids by partition id.
  Result<std::map<int, int>> WaitForLeaders(std::chrono::milliseconds timeout, int asked = -1);

  // Every broker's command API, host:port,... in node id order.
  std::string command_addresses() const;
  std::string gateway_address() const { return "127.0.0.1:" + std::to_string(gateway_port_); }
  pid_t gateway_pid() const { return gateway_pid_; }
  // Metrics and probes (docs/operations.md) of broker n and of the gateway.
  int monitoring_port(int n) const { return brokers_.at(n).monitoring_port; }
  int gateway_monitoring_port() const { return gateway_monitoring_port_; }
  int brokers() const { return options_.brokers; }
  std::string directory() const { return dir_->path(); }

  // Runs tests/process/zeebe_node_load.js (the npm zeebe-node client) against
  // the gateway: deploys `bpmn`, starts `count` instances of `process_id` at
  // `rate` per second and completes their `job_type` jobs with a worker. Its
  // stdout is a JSON summary (acknowledged, completed, missing, partitions).
  ShellResult ZeebeNodeLoad(const std::string& bpmn, const std::string& process_id,
                            const std::string& job_type, int count, int rate,
                            int timeout_seconds) const;
  // Every process's output, each line prefixed with its name.
  std::string AllOutput() const;
  // Leaves data and logs on disk; returns where.
  std::string KeepData();

 private:
  struct Process {
    int command_port = 0;
    int monitoring_port = 0;
    pid_t pid = -1;
  };
  // ports: the gateway's, the gateway's monitoring port, then each broker's
  // monitoring port.
  ClusterProcesses(ClusterOptions options, std::unique_ptr<cmd::TempDir> dir, int base_port,
                   const std::vector<int>& ports);
  Result<broker_api::Topology> Topology(int n) const;
  std::string LogFile(const std::string& name) const;

  const ClusterOptions options_;
  const std::unique_ptr<cmd::TempDir> dir_;
  const int gateway_port_;
  const int gateway_monitoring_port_;
  std::map<int, Process> brokers_;
  pid_t gateway_pid_ = -1;
};

}  // namespace waggle::test_processes
