// replication_bench: throughput, latency, CPU cost, failover time and idle
// cost of a 3-member `waggle log-member` cluster on 127.0.0.1 with fsync on.
// Each member is a separate process; the client runs in this process. See
// docs/benchmarks.md for results and how to read them.
//
// Not a test: it takes minutes and its numbers depend on the machine.
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/append_load.h"
#include "cmd/flags.h"
#include "cmd/log_member/member_processes.h"

namespace waggle::bench {
namespace {

using cmd::LogGroupStatus;
using cmd::LogMemberStatus;
using cmd::MemberProcesses;
using std::chrono::duration;
using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr const char* kUsage =
    "usage: replication_bench [--seconds N] [--warmup-seconds N] [--concurrency 1,16,64,256]\n"
    "         [--streams N] [--max-request-entries N] [--soak-seconds N]\n"
    "         [--failover-rounds N] [--idle-seconds N] [--idle-groups N]\n"
    "         [--tick-ms N] [--heartbeat-ticks N] [--election-ticks N]\n"
    "         [--skip-failover] [--skip-idle] [--quick]\n"
    "  --streams 0 (default) picks one stream per 128 entries of concurrency, 1 to 8.\n"
    "  --max-request-entries (default 64) caps the entries the client puts in one request.\n"
    "  --quick: 2 s per level, concurrency 1,256, 2 failover rounds, 3 s idle.\n";

constexpr uint32_t kGroup = 1;
constexpr size_t kEntryBytes = 256;
constexpr int kFailoverConcurrency = 16;
constexpr int kSoakConcurrency = 256;

// The members' settings; fsync stays on.
struct ClusterOptions {
  int groups = 1;
  int tick_ms = 50;
  int heartbeat_ticks = 2;
  int election_ticks = 6;
};

struct BenchOptions {
  int seconds = 10;
  int warmup_seconds = 2;
  std::vector<int> concurrency = {1, 16, 64, 256};
  int streams = 0;
  int max_request_entries = 64;
  int soak_seconds = 0;
  int failover_rounds = 5;
  int idle_seconds = 10;
  int idle_groups = 64;
  bool skip_failover = false;
  bool skip_idle = false;
  ClusterOptions cluster;
};

// Boolean flags stand alone on the command line; cmd::Flags wants a value.
std::vector<std::string> ExpandSwitches(int argc, char** argv) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    args.push_back(arg);
    if (arg == "--skip-failover" || arg == "--skip-idle" || arg == "--quick") args.push_back("1");
  }
  return args;
}

Result<std::vector<int>> ParseList(const std::string& text) {
  std::vector<int> values;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    int value = std::atoi(item.c_str());
    if (value < 1 || value > 100000 || std::to_string(value) != item) {
      return Status::InvalidArgument("--concurrency: '" + item + "' is not a count from 1");
    }
    values.push_back(value);
  }
  if (values.empty()) return Status::InvalidArgument("--concurrency: empty list");
  return values;
}

Result<BenchOptions> ParseOptions(int argc, char** argv) {
  Result<cmd::Flags> parsed = cmd::Flags::Parse(ExpandSwitches(argc, argv));
  if (!parsed.ok()) return parsed.status();
  cmd::Flags& flags = *parsed;
  BenchOptions o;
  auto quick = flags.Int("quick", 0, 0, 1);
  if (!quick.ok()) return quick.status();
  if (*quick) {
    o.seconds = 2;
    o.warmup_seconds = 1;
    o.concurrency = {1, 256};
    o.failover_rounds = 2;
    o.idle_seconds = 3;
  }
  struct IntFlag {
    const char* name;
    int* value;
    int min, max;
  };
  const IntFlag ints[] = {
      {"seconds", &o.seconds, 1, 3600},
      {"warmup-seconds", &o.warmup_seconds, 0, 600},
      {"streams", &o.streams, 0, 1024},
      {"max-request-entries", &o.max_request_entries, 1, 100000},
      {"soak-seconds", &o.soak_seconds, 0, 86400},
      {"failover-rounds", &o.failover_rounds, 1, 100},
      {"idle-seconds", &o.idle_seconds, 1, 3600},
      {"idle-groups", &o.idle_groups, 1, 8192},
      {"tick-ms", &o.cluster.tick_ms, 1, 10000},
      {"heartbeat-ticks", &o.cluster.heartbeat_ticks, 1, 1000},
      {"election-ticks", &o.cluster.election_ticks, 2, 10000},
  };
  for (const IntFlag& f : ints) {
    auto value = flags.Int(f.name, *f.value, f.min, f.max);
    if (!value.ok()) return value.status();
    *f.value = static_cast<int>(*value);
  }
  auto skip_failover = flags.Int("skip-failover", 0, 0, 1);
  auto skip_idle = flags.Int("skip-idle", 0, 0, 1);
  auto concurrency = flags.String("concurrency", "");
  for (const Status& s : {skip_failover.status(), skip_idle.status(), concurrency.status()}) {
    if (!s.ok()) return s;
  }
  o.skip_failover = *skip_failover;
  o.skip_idle = *skip_idle;
  if (!concurrency->empty()) {
    auto list = ParseList(*concurrency);
    if (!list.ok()) return list.status();
    o.concurrency = *list;
  }
  if (Status s = flags.CheckAllUsed(); !s.ok()) return s;
  return o;
}

int StreamsFor(const BenchOptions& o, int concurrency) {
  if (o.streams != 0) return std::min(o.streams, concurrency);
  return std::clamp(concurrency / 128, 1, 8);
}

LoadOptions LoadAt(const BenchOptions& o, int concurrency, int streams) {
  LoadOptions options;
  options.max_entries_per_request = o.max_request_entries;
  options.concurrency = concurrency;
  options.streams = streams;
  options.entry_bytes = kEntryBytes;
  options.group = kGroup;
  return options;
}

double Seconds(Clock::duration d) {
  return duration<double>(d).count();
}

void Check(const Status& s, const char* what) {
  if (s.ok()) return;
  std::fprintf(stderr, "replication_bench: %s: %s\n", what, s.ToString().c_str());
  std::exit(1);
}

// As Check, with what the members printed.
void Check(const Status& s, const char* what, MemberProcesses& cluster) {
  if (s.ok()) return;
  std::fprintf(stderr, "member output:\n%s\ndata kept in %s\n", cluster.AllOutput().c_str(),
               cluster.KeepData().c_str());
  Check(s, what);
}

std::unique_ptr<MemberProcesses> StartCluster(const ClusterOptions& c) {
  cmd::MemberProcessesOptions options;
  options.waggle_binary = WAGGLE_BINARY;
  options.members = 3;
  options.flags = {"--groups",          std::to_string(c.groups),
                   "--tick-ms",         std::to_string(c.tick_ms),
                   "--heartbeat-ticks", std::to_string(c.heartbeat_ticks),
                   "--election-ticks",  std::to_string(c.election_ticks),
                   "--fsync",           "on",
                   "--verbose",         "off"};
  Result<std::unique_ptr<MemberProcesses>> cluster = MemberProcesses::Create(std::move(options));
  Check(cluster.status(), "preparing the cluster");
  Check((*cluster)->StartAll(), "starting the cluster", **cluster);
  return std::move(*cluster);
}

// User plus system CPU time of this process so far.
microseconds OwnCpuTime() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  auto micros = [](const timeval& tv) {
    return static_cast<long long>(tv.tv_sec) * 1000000LL + tv.tv_usec;
  };
  return microseconds(micros(usage.ru_utime) + micros(usage.ru_stime));
}

// One member's view of kGroup.
Result<LogGroupStatus> GroupStatusOf(const MemberProcesses& cluster, NodeId id) {
  Result<LogMemberStatus> status = cluster.client().StatusOf(id, milliseconds(500));
  if (!status.ok()) return status.status();
  for (const LogGroupStatus& g : status->groups) {
    if (g.group == kGroup) return g;
  }
  return Status::NotFound("member " + std::to_string(id) + " has no group " +
                          std::to_string(kGroup));
}

// CPU time of every running member, summed.
Result<microseconds> ClusterCpu(const MemberProcesses& cluster) {
  microseconds total{0};
  for (NodeId id : cluster.ids()) {
    if (!cluster.running(id)) continue;
    Result<microseconds> cpu = cluster.CpuTime(id);
    if (!cpu.ok()) return cpu.status();
    total += *cpu;
  }
  return total;
}

// The highest term any running member reports for the group.
uint64_t HighestTerm(const MemberProcesses& cluster) {
  uint64_t term = 0;
  for (NodeId id : cluster.ids()) {
    if (!cluster.running(id)) continue;
    Result<LogGroupStatus> view = GroupStatusOf(cluster, id);
    if (view.ok()) term = std::max(term, view->term);
  }
  return term;
}

void PrintSettings(const BenchOptions& o) {
  const ClusterOptions& c = o.cluster;
  std::printf("members: 3 processes on 127.0.0.1, fsync on, %zu-byte entries, group %u\n",
              kEntryBytes, kGroup);
  std::printf(
      "member settings: --tick-ms %d --heartbeat-ticks %d --election-ticks %d "
      "(heartbeat %d ms, election timeout %d-%d ms)\n",
      c.tick_ms, c.heartbeat_ticks, c.election_ticks, c.tick_ms * c.heartbeat_ticks,
      c.tick_ms * c.election_ticks, 2 * c.tick_ms * c.election_ticks);
  std::printf("run: %d s per level after %d s warm-up\n\n", o.seconds, o.warmup_seconds);
  std::fflush(stdout);
}

// Runs the load at each concurrency level in turn.
void RunThroughput(const BenchOptions& o, MemberProcesses& cluster) {
  std::printf("== throughput and latency ==\n");
  std::printf("%6s %7s %11s %7s %8s %8s %9s %9s %9s %11s %11s %7s\n", "conc", "streams",
              "entries/s", "MB/s", "p50 ms", "p99 ms", "p99.9 ms", "entries/", "entries/",
              "server CPU", "client CPU", "terms");
  std::printf("%6s %7s %11s %7s %8s %8s %9s %9s %9s %11s %11s %7s\n", "", "", "", "", "", "", "",
              "request", "round", "us/entry", "us/entry", "changed");
  std::fflush(stdout);
  for (int concurrency : o.concurrency) {
    Result<NodeId> leader = cluster.client().FindLeader(kGroup, seconds(10));
    Check(leader.status(), "waiting for a leader", cluster);
    const LoadOptions load_options = LoadAt(o, concurrency, StreamsFor(o, concurrency));
    AppendLoad load(load_options, cluster.client_addresses(), *leader);
    load.Start();
    std::this_thread::sleep_for(seconds(o.warmup_seconds));

    const uint64_t term_before = HighestTerm(cluster);
    Result<LogMemberStatus> leader_before = cluster.client().StatusOf(*leader, seconds(1));
    Result<microseconds> server_before = ClusterCpu(cluster);
    const microseconds client_before = OwnCpuTime();
    load.BeginWindow();
    std::this_thread::sleep_for(seconds(o.seconds));
    WindowResult r = load.EndWindow();
    const microseconds client_after = OwnCpuTime();
    Result<microseconds> server_after = ClusterCpu(cluster);
    Result<LogMemberStatus> leader_after = cluster.client().StatusOf(*leader, seconds(1));
    const uint64_t term_after = HighestTerm(cluster);
    load.Stop();
    Check(server_before.status(), "reading member CPU", cluster);
    Check(server_after.status(), "reading member CPU", cluster);
    Check(leader_before.status(), "reading the leader's counters", cluster);
    Check(leader_after.status(), "reading the leader's counters", cluster);
    // Group commit: how many entries one driver round (one fsync) carried.
    const uint64_t rounds = std::max<uint64_t>(leader_after->rounds - leader_before->rounds, 1);
    const double per_round =
        static_cast<double>(leader_after->entries_committed - leader_before->entries_committed) /
        rounds;

    const double secs = Seconds(r.elapsed);
    const double entries = static_cast<double>(std::max<uint64_t>(r.entries, 1));
    std::printf("%6d %7d %11.0f %7.2f %8.3f %8.3f %9.3f %9.1f %9.1f %11.1f %11.1f %7llu\n",
                concurrency, load_options.streams, r.entries / secs,
                r.entries * kEntryBytes / secs / 1e6, r.p50_us / 1000, r.p99_us / 1000,
                r.p999_us / 1000, r.requests ? static_cast<double>(r.entries) / r.requests : 0.0,
                per_round, (*server_after - *server_before).count() / entries,
                (client_after - client_before).count() / entries,
                static_cast<unsigned long long>(term_after - term_before));
    if (r.rejected != 0) {
      std::printf("       (%llu requests rejected by a member that did not lead)\n",
                  static_cast<unsigned long long>(r.rejected));
    }
    std::fflush(stdout);
  }
  std::printf("\n");
}

// Full load for a long time: the failover settings must not make a busy
// leader lose its followers.
void RunSoak(const BenchOptions& o, MemberProcesses& cluster) {
  std::printf("== soak: concurrency %d for %d s ==\n", kSoakConcurrency, o.soak_seconds);
  std::fflush(stdout);
  Result<NodeId> leader = cluster.client().FindLeader(kGroup, seconds(10));
  Check(leader.status(), "waiting for a leader", cluster);
  AppendLoad load(LoadAt(o, kSoakConcurrency, StreamsFor(o, kSoakConcurrency)),
                  cluster.client_addresses(), *leader);
  load.Start();
  const uint64_t first_term = HighestTerm(cluster);
  uint64_t last_term = first_term;
  NodeId last_leader = *leader;
  int leader_changes = 0;
  load.BeginWindow();
  const auto end = Clock::now() + seconds(o.soak_seconds);
  while (Clock::now() < end) {
    std::this_thread::sleep_for(milliseconds(100));
    for (NodeId id : cluster.ids()) {
      Result<LogGroupStatus> view = GroupStatusOf(cluster, id);
      if (!view.ok() || view->term < last_term) continue;
      last_term = view->term;
      if (view->role == "leader" && id != last_leader) {
        leader_changes++;
        last_leader = id;
      }
    }
  }
  WindowResult r = load.EndWindow();
  load.Stop();
  std::printf("%.0f entries/s, p50 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, max %.3f ms\n",
              r.entries / Seconds(r.elapsed), r.p50_us / 1000, r.p99_us / 1000, r.p999_us / 1000,
              r.max_us / 1000);
  std::printf("term changes: %llu, leader changes: %d, rejected requests: %llu\n\n",
              static_cast<unsigned long long>(last_term - first_term), leader_changes,
              static_cast<unsigned long long>(r.rejected));
  std::fflush(stdout);
}

// SIGKILL of the leader under load; the time until an append succeeds
// through the new leader.
void RunFailover(const BenchOptions& o, MemberProcesses& cluster) {
  std::printf("== failover: SIGKILL of the leader at concurrency %d, %d rounds ==\n",
              kFailoverConcurrency, o.failover_rounds);
  std::fflush(stdout);
  std::vector<double> samples_ms;
  for (int round = 1; round <= o.failover_rounds; ++round) {
    Result<NodeId> leader = cluster.client().FindLeader(kGroup, seconds(10));
    Check(leader.status(), "waiting for a leader", cluster);
    AppendLoad load(LoadAt(o, kFailoverConcurrency, 1), cluster.client_addresses(), *leader);
    load.Start();
    std::this_thread::sleep_for(seconds(1));
    const uint64_t before_kill = load.total_entries();

    load.ArmFailover(*leader);
    const Clock::time_point killed_at = Clock::now();
    cluster.Kill(*leader);
    std::optional<Clock::time_point> recovered = load.WaitFailover(seconds(30));
    load.Stop();
    if (!recovered) {
      std::printf("round %d: no append succeeded within 30 s of killing member %llu\n", round,
                  static_cast<unsigned long long>(*leader));
      std::exit(1);
    }
    const double ms = duration<double, std::milli>(*recovered - killed_at).count();
    samples_ms.push_back(ms);

    Check(cluster.Start(*leader), "restarting the killed member", cluster);
    Result<NodeId> next = cluster.client().FindLeader(kGroup, seconds(10));
    Check(next.status(), "waiting for a leader after the restart", cluster);
    Result<LogGroupStatus> target = GroupStatusOf(cluster, *next);
    Check(target.status(), "reading the new leader's commit index", cluster);
    Check(cluster.WaitForCommit(kGroup, target->commit, seconds(60)),
          "waiting for the restarted member to catch up", cluster);
    std::printf(
        "round %d: killed leader %llu (%llu entries acknowledged before), "
        "appends succeed again after %.1f ms\n",
        round, static_cast<unsigned long long>(*leader),
        static_cast<unsigned long long>(before_kill), ms);
    std::fflush(stdout);
  }
  std::vector<double> sorted = samples_ms;
  std::sort(sorted.begin(), sorted.end());
  std::printf("failover median %.1f ms (min %.1f, max %.1f)\n\n", sorted[sorted.size() / 2],
              sorted.front(), sorted.back());
  std::fflush(stdout);
}

// CPU the members spend on groups that have nothing to do.
void RunIdle(const BenchOptions& o) {
  ClusterOptions options = o.cluster;
  options.groups = o.idle_groups;
  std::printf("== idle: %d groups per member, no load, %d s ==\n", options.groups, o.idle_seconds);
  std::fflush(stdout);
  std::unique_ptr<MemberProcesses> cluster = StartCluster(options);
  for (int g = 1; g <= options.groups; ++g) {
    Check(cluster->client().FindLeader(g, seconds(60)).status(), "waiting for every group's leader",
          *cluster);
  }
  // Let elections and the first no-op entries settle.
  std::this_thread::sleep_for(seconds(2));
  std::map<NodeId, microseconds> before;
  for (NodeId id : cluster->ids()) {
    Result<microseconds> cpu = cluster->CpuTime(id);
    Check(cpu.status(), "reading member CPU", *cluster);
    before[id] = *cpu;
  }
  const Clock::time_point start = Clock::now();
  std::this_thread::sleep_for(seconds(o.idle_seconds));
  const double wall_us = duration<double, std::micro>(Clock::now() - start).count();
  for (NodeId id : cluster->ids()) {
    Result<microseconds> cpu = cluster->CpuTime(id);
    Check(cpu.status(), "reading member CPU", *cluster);
    std::printf("member %llu: %.2f%% of one core\n", static_cast<unsigned long long>(id),
                100.0 * (*cpu - before[id]).count() / wall_us);
  }
  std::printf("\n");
  std::fflush(stdout);
}

int Main(int argc, char** argv) {
  Result<BenchOptions> options = ParseOptions(argc, argv);
  if (!options.ok()) {
    std::fprintf(stderr, "replication_bench: %s\n%s", options.status().message().c_str(), kUsage);
    return 2;
  }
  const BenchOptions& o = *options;
  PrintSettings(o);
  {
    std::unique_ptr<MemberProcesses> cluster = StartCluster(o.cluster);
    RunThroughput(o, *cluster);
    if (o.soak_seconds > 0) RunSoak(o, *cluster);
    if (!o.skip_failover) RunFailover(o, *cluster);
  }
  if (!o.skip_idle) RunIdle(o);
  return 0;
}

}  // namespace
}  // namespace waggle::bench

int main(int argc, char** argv) {
  return waggle::bench::Main(argc, argv);
}
