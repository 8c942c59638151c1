// cluster_bench: a local waggle cluster of real processes (3 brokers, 3
// partitions, replication factor 3, fsync on, and `waggle gateway`) driven in
// the style of Zeebe's starter and worker: instances of a one-service-task
// process (docs/examples/one-task.bpmn) started at a fixed rate, their jobs
// activated and completed by workers. The load goes through the brokers'
// command API, through the gateway (Zeebe's gRPC protocol), or both, one
// after the other on the same cluster, to show what the gateway adds.
//
//   cluster_bench [--rate N] [--seconds N] [--max-inflight N] [--fsync on|off]
//                 [--via command-api|gateway|both]
//
// Prints per path: completed instances/s, start-to-end latency (creation
// sent -> job completion acknowledged, the instance's last step) p50/p99,
// the round trip of a creation p50/p99, each broker's (and the gateway's)
// RSS and CPU; then, after a restart of broker 0 on a log of every record of
// the run (no snapshot within the default 5 minutes), the time until it
// knows every leader and until it has replayed that log, and its own log
// lines of that start.
// Not a test: run by hand (docs/benchmarks.md).
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/command_api_load.h"
#include "bench/gateway_load.h"
#include "tests/monitoring/http_get.h"
#include "tests/process/cluster_processes.h"

namespace waggle::bench {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr int kPartitions = 3;

struct Options {
  int rate = 1000;
  int seconds = 20;
  int max_inflight = 2000;  // instances started and not yet completed
  bool fsync = true;
  bool via_command_api = true;
  bool via_gateway = false;
};

[[noreturn]] void Usage() {
  std::fprintf(stderr,
               "usage: cluster_bench [--rate N] [--seconds N] [--max-inflight N] "
               "[--fsync on|off] [--via command-api|gateway|both]\n");
  std::exit(2);
}

Options ParseOptions(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&] {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", arg.c_str());
        std::exit(2);
      }
      return std::string(argv[++i]);
    };
    if (arg == "--rate") {
      o.rate = std::stoi(value());
    } else if (arg == "--seconds") {
      o.seconds = std::stoi(value());
    } else if (arg == "--max-inflight") {
      o.max_inflight = std::stoi(value());
    } else if (arg == "--fsync") {
      o.fsync = value() == "on";
    } else if (arg == "--via") {
      const std::string via = value();
      if (via != "command-api" && via != "gateway" && via != "both") Usage();
      o.via_command_api = via != "gateway";
      o.via_gateway = via != "command-api";
    } else {
      Usage();
    }
  }
  return o;
}

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "cluster_bench: %s\n", what.c_str());
  std::exit(1);
}

// Per-process figures from /proc.
struct ProcessUsage {
  double cpu_seconds = 0;
  double rss_mib = 0;
};

ProcessUsage UsageOf(pid_t pid) {
  ProcessUsage usage;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const size_t paren = text.rfind(')');
  if (paren == std::string::npos) return usage;
  std::istringstream fields(text.substr(paren + 2));
  std::string skip;
  for (int field = 3; field <= 13; ++field) fields >> skip;
  long long utime = 0, stime = 0;
  fields >> utime >> stime;
  usage.cpu_seconds =
      static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) usage.rss_mib = std::stod(line.substr(6)) / 1024.0;
  }
  return usage;
}

// The last record position each partition of the broker with this
// monitoring port has applied from its committed log (/partitions); empty if
// it does not answer.
std::map<int, int64_t> CommitPositions(int monitoring_port) {
  std::map<int, int64_t> positions;
  test_http::HttpResult r = test_http::HttpGet(monitoring_port, "/partitions");
  nlohmann::json doc = nlohmann::json::parse(r.body, nullptr, false);
  if (r.status != 200 || !doc.is_array()) return positions;
  for (const nlohmann::json& p : doc) {
    positions[p["partition"].get<int>()] = p["commitPosition"].get<int64_t>();
  }
  return positions;
}

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[std::min(values.size() - 1, static_cast<size_t>(p * values.size()))];
}

double MillisSince(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

struct Figures {
  double completed_per_second = 0;
  std::vector<double> end_to_end_ms;
  std::vector<double> create_ms;  // round trip of CreateProcessInstance
};

// Starts instances at `options.rate` for `options.seconds` through `client`,
// whose workers complete their jobs; prints what it measured.
Figures Drive(LoadClient& client, const Options& options, const std::vector<pid_t>& processes,
              const std::vector<std::string>& names) {
  std::mutex mu;
  std::map<int64_t, Clock::time_point> started;   // instance key -> creation sent
  std::map<int64_t, Clock::time_point> finished;  // completed before its creation was answered
  Figures figures;
  std::atomic<int> inflight{0};
  std::atomic<int64_t> completed{0}, failed{0};

  client.StartWorkers("greet", [&](int64_t instance) {
    if (instance < 0) {
      failed++;
      return;
    }
    std::lock_guard lock(mu);
    auto it = started.find(instance);
    if (it == started.end()) {
      finished[instance] = Clock::now();
      return;
    }
    figures.end_to_end_ms.push_back(MillisSince(it->second));
    started.erase(it);
    completed++;
    inflight--;
  });

  std::vector<ProcessUsage> before;
  for (pid_t pid : processes) before.push_back(UsageOf(pid));
  const auto begin = Clock::now();
  const auto interval = std::chrono::duration<double>(1.0 / options.rate);
  int64_t sent = 0;
  while (Clock::now() - begin < std::chrono::seconds(options.seconds)) {
    const auto due = begin + std::chrono::duration_cast<Clock::duration>(interval * sent);
    if (due > Clock::now()) std::this_thread::sleep_until(due);
    if (inflight >= options.max_inflight) continue;  // skip: the cluster is behind
    sent++;
    inflight++;
    const auto sent_at = Clock::now();
    client.Create("one-task", [&, sent_at](int64_t instance) {
      if (instance < 0) {
        failed++;
        inflight--;
        return;
      }
      std::lock_guard lock(mu);
      figures.create_ms.push_back(MillisSince(sent_at));
      auto it = finished.find(instance);
      if (it == finished.end()) {
        started[instance] = sent_at;
        return;
      }
      figures.end_to_end_ms.push_back(
          std::chrono::duration<double, std::milli>(it->second - sent_at).count());
      finished.erase(it);
      completed++;
      inflight--;
    });
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - begin).count();
  const int64_t completed_in_run = completed;
  std::vector<ProcessUsage> after;
  for (pid_t pid : processes) after.push_back(UsageOf(pid));
  // Let the last ones finish, then stop the workers before the next run.
  while (inflight > 0 && Clock::now() - begin < std::chrono::seconds(options.seconds + 10)) {
    std::this_thread::sleep_for(10ms);
  }
  client.StopWorkers();

  std::lock_guard lock(mu);
  figures.completed_per_second = static_cast<double>(completed_in_run) / elapsed;
  std::printf(
      "  rate %d/s for %ds (fsync %s): started %lld, completed %lld in the run = %.0f/s, "
      "failed %lld\n",
      options.rate, options.seconds, options.fsync ? "on" : "off", static_cast<long long>(sent),
      static_cast<long long>(completed_in_run), figures.completed_per_second,
      static_cast<long long>(failed.load()));
  std::printf("  start-to-end latency: p50 %.1f ms, p99 %.1f ms (%zu instances)\n",
              Percentile(figures.end_to_end_ms, 0.50), Percentile(figures.end_to_end_ms, 0.99),
              figures.end_to_end_ms.size());
  std::printf("  create round trip: p50 %.2f ms, p99 %.2f ms\n",
              Percentile(figures.create_ms, 0.50), Percentile(figures.create_ms, 0.99));
  for (size_t i = 0; i < processes.size(); ++i) {
    std::printf("  %s: RSS %.1f MiB, CPU %.0f%% of one core\n", names[i].c_str(), after[i].rss_mib,
                100.0 * (after[i].cpu_seconds - before[i].cpu_seconds) / elapsed);
  }
  return figures;
}

int Run(const Options& options) {
  test_processes::ClusterOptions cluster_options;
  cluster_options.waggle_binary = WAGGLE_BINARY;
  cluster_options.broker_flags = {std::string("--data.fsync=") + (options.fsync ? "true" : "false"),
                                  "--data.disk.freeSpace.processing=64MB",
                                  "--data.disk.freeSpace.replication=32MB"};
  auto cluster = test_processes::ClusterProcesses::Create(cluster_options);
  if (!cluster.ok()) Die(cluster.status().ToString());
  const auto starting = Clock::now();
  if (Status s = (*cluster)->StartAll(); !s.ok()) Die(s.ToString());
  if (!(*cluster)->WaitForLeaders(30s).ok()) Die("no leader for every partition");
  std::printf("ready (a leader per partition) %.0f ms after start, empty data directories\n",
              MillisSince(starting));

  std::vector<pid_t> processes;
  std::vector<std::string> names;
  for (int n = 0; n < (*cluster)->brokers(); ++n) {
    processes.push_back((*cluster)->pid(n));
    names.push_back("broker " + std::to_string(n));
  }
  processes.push_back((*cluster)->gateway_pid());
  names.push_back("gateway");

  std::ifstream in(WAGGLE_SOURCE_DIR "/docs/examples/one-task.bpmn");
  const std::string bpmn((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::unique_ptr<LoadClient> command_api =
      NewCommandApiLoad((*cluster)->command_addresses(), kPartitions);
  if (!command_api->Deploy("one-task.bpmn", bpmn)) Die("deployment failed");

  Figures direct, gateway;
  if (options.via_command_api) {
    std::printf("through the command API:\n");
    direct = Drive(*command_api, options, processes, names);
  }
  if (options.via_gateway) {
    std::printf("through the gateway:\n");
    std::unique_ptr<LoadClient> client = NewGatewayLoad((*cluster)->gateway_address(), kPartitions);
    gateway = Drive(*client, options, processes, names);
  }
  if (options.via_command_api && options.via_gateway) {
    std::printf(
        "gateway: %.0f%% of the command API's throughput; adds %.2f ms (p50), %.2f ms (p99) to a "
        "creation's round trip\n",
        100.0 * gateway.completed_per_second / direct.completed_per_second,
        Percentile(gateway.create_ms, 0.50) - Percentile(direct.create_ms, 0.50),
        Percentile(gateway.create_ms, 0.99) - Percentile(direct.create_ms, 0.99));
  }

  // Restart: broker 0 stopped and started on its data.
  const std::map<int, int64_t> before = CommitPositions((*cluster)->monitoring_port(0));
  int64_t records = 0;
  for (const auto& [p, position] : before) records += position;
  (*cluster)->Signal(0, SIGTERM);
  (*cluster)->WaitExit(0, 20s);
  const auto restarting = Clock::now();
  if (Status s = (*cluster)->StartBroker(0); !s.ok()) Die(s.ToString());
  if (!(*cluster)->WaitForLeaders(60s, 0).ok()) Die("restarted broker 0 never knew every leader");
  const double ready_after = MillisSince(restarting);
  // Replayed: every partition applied as far as before the restart.
  for (bool replayed = false; !replayed; std::this_thread::sleep_for(10ms)) {
    const std::map<int, int64_t> now = CommitPositions((*cluster)->monitoring_port(0));
    replayed = now.size() == before.size();
    for (const auto& [p, position] : before) replayed = replayed && now.at(p) >= position;
    if (Clock::now() - restarting > 120s) Die("restarted broker 0 never replayed its log");
  }
  std::printf(
      "broker 0 restarted on a log of %lld records (%zu instances): it knew every leader %.0f ms "
      "after the restart and had replayed its log %.0f ms after it\n",
      static_cast<long long>(records), direct.end_to_end_ms.size() + gateway.end_to_end_ms.size(),
      ready_after, MillisSince(restarting));
  // Its own account since the restart: "starting" to "ready:" is opening
  // the partitions (journals read, state restored from snapshots); then when
  // each partition learned its leader.
  std::istringstream output((*cluster)->AllOutput());
  std::vector<std::string> since_restart;
  for (std::string line; std::getline(output, line);) {
    if (line.rfind("[broker-0] ", 0) != 0) continue;
    if (line.find(": starting: ") != std::string::npos) since_restart.clear();
    if (line.find(": starting: ") != std::string::npos ||
        line.find(": ready: ") != std::string::npos ||
        line.find(": leader is broker") != std::string::npos) {
      since_restart.push_back(line.substr(0, 90));
    }
  }
  for (const std::string& line : since_restart) std::printf("%s\n", line.c_str());
  return 0;
}

}  // namespace
}  // namespace waggle::bench

int main(int argc, char** argv) {
  return waggle::bench::Run(waggle::bench::ParseOptions(argc, argv));
}
