#include "cmd/log_member/log_client_command.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <mutex>
#include <set>
#include <thread>

#include "cmd/flags.h"
#include "cmd/log_member/log_client.h"

namespace waggle::cmd {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kStatusTimeout{1000};

unsigned long long ull(uint64_t v) {
  return static_cast<unsigned long long>(v);
}

int FlagError(const char* command, const Status& s) {
  std::fprintf(stderr, "waggle %s: %s\n", command, s.message().c_str());
  return 2;
}

Result<std::map<raft::NodeId, std::string>> MembersFlag(Flags& flags) {
  Result<std::string> text = flags.String("members", "");
  if (!text.ok()) return text.status();
  if (text->empty()) {
    return Status::InvalidArgument(
        "--members is required (client addresses: 1=HOST:PORT,2=HOST:PORT,...)");
  }
  return ParseMemberList("members", *text);
}

struct AppendOptions {
  std::map<raft::NodeId, std::string> members;
  LogGroupId group = 1;
  int64_t count = 0;
  int64_t size = 0;
  int64_t rate = 0;      // entries per second; 0: as fast as the cluster takes them
  int64_t batch = 0;     // entries per append request
  int64_t inflight = 0;  // requests in flight
  milliseconds timeout{0};
};

Result<AppendOptions> ParseAppendFlags(const std::vector<std::string>& args) {
  Result<Flags> parsed = Flags::Parse(args);
  if (!parsed.ok()) return parsed.status();
  Flags& flags = *parsed;
  AppendOptions options;
  auto members = MembersFlag(flags);
  if (!members.ok()) return members.status();
  options.members = *members;
  auto group = flags.Int("group", 1, 1, UINT32_MAX);
  auto count = flags.Int("count", 1000, 1, int64_t{1} << 40);
  auto size = flags.Int("size", 100, 1, 64 << 20);
  auto rate = flags.Int("rate", 0, 0, 100'000'000);
  auto batch = flags.Int("batch", 1, 1, 100'000);
  auto inflight = flags.Int("inflight", 32, 1, 1024);
  auto timeout = flags.Int("timeout-ms", 30'000, 1, 3'600'000);
  for (const Status& s : {group.status(), count.status(), size.status(), rate.status(),
                          batch.status(), inflight.status(), timeout.status()}) {
    if (!s.ok()) return s;
  }
  if (Status s = flags.CheckAllUsed(); !s.ok()) return s;
  options.group = static_cast<LogGroupId>(*group);
  options.count = *count;
  options.size = *size;
  options.rate = *rate;
  options.batch = *batch;
  options.inflight = *inflight;
  options.timeout = milliseconds(*timeout);
  return options;
}

// Entry `seq` of a run: its sequence number first, so that it can be told
// apart in a log dump, padded to `size` bytes.
std::string Payload(int64_t seq, int64_t size) {
  std::string data = "log-append seq=" + std::to_string(seq) + " ";
  data.resize(static_cast<size_t>(size), 'x');
  return data;
}

// What the appending threads share with the progress printer.
struct AppendRun {
  const AppendOptions& options;
  LogClient client;
  const Clock::time_point start = Clock::now();
  std::atomic<int64_t> next_seq{0};
  std::atomic<int64_t> acknowledged{0};
  std::atomic<uint64_t> last_index{0};
  std::atomic<bool> failed{false};
  std::mutex mu;
  std::string error;                    // guarded by mu: the first failure
  std::vector<milliseconds> latencies;  // guarded by mu

  explicit AppendRun(const AppendOptions& o) : options(o), client(o.members) {}

  double Seconds() const { return std::chrono::duration<double>(Clock::now() - start).count(); }

  void Worker() {
    std::vector<milliseconds> mine;
    while (!failed) {
      const int64_t first = next_seq.fetch_add(options.batch);
      if (first >= options.count) break;
      const int64_t end = std::min(options.count, first + options.batch);
      if (options.rate > 0) {
        std::this_thread::sleep_until(start +
                                      std::chrono::microseconds(first * 1'000'000 / options.rate));
      }
      std::vector<std::string> entries;
      for (int64_t seq = first; seq < end; ++seq) entries.push_back(Payload(seq, options.size));
      const Clock::time_point sent = Clock::now();
      Result<raft::Index> index = client.Append(options.group, std::move(entries), options.timeout);
      if (!index.ok()) {
        std::lock_guard lock(mu);
        if (!failed.exchange(true)) error = index.status().ToString();
        break;
      }
      mine.push_back(std::chrono::duration_cast<milliseconds>(Clock::now() - sent));
      acknowledged += end - first;
      const uint64_t last = *index + (end - first) - 1;
      uint64_t seen = last_index.load();
      while (seen < last && !last_index.compare_exchange_weak(seen, last)) {
      }
    }
    std::lock_guard lock(mu);
    latencies.insert(latencies.end(), mine.begin(), mine.end());
  }

  // Until every worker is done: a line whenever the leader changes, and one
  // every second with the totals.
  void Progress(const std::atomic<bool>& done) {
    raft::NodeId leader = raft::kNoNode;
    Clock::time_point next_line = start + std::chrono::seconds(1);
    int64_t acknowledged_at_last_line = 0;
    while (!done) {
      std::this_thread::sleep_for(milliseconds(50));
      const raft::NodeId now_leader = client.LeaderGuess(options.group);
      if (now_leader != leader && now_leader != raft::kNoNode) {
        std::printf("log-append: %.1fs leader of group %u is member %llu\n", Seconds(),
                    options.group, ull(now_leader));
        leader = now_leader;
      }
      if (Clock::now() >= next_line) {
        const int64_t acked = acknowledged;
        std::printf("log-append: %.1fs appended %lld/%lld (%lld/s), last index %llu, leader %llu\n",
                    Seconds(), static_cast<long long>(acked), static_cast<long long>(options.count),
                    static_cast<long long>(acked - acknowledged_at_last_line),
                    ull(last_index.load()), ull(leader));
        acknowledged_at_last_line = acked;
        next_line += std::chrono::seconds(1);
      }
      std::fflush(stdout);
    }
  }
};

milliseconds Percentile(std::vector<milliseconds>& sorted, double p) {
  if (sorted.empty()) return milliseconds(0);
  return sorted[std::min(sorted.size() - 1, static_cast<size_t>(p * sorted.size()))];
}

}  // namespace

int RunLogStatusCommand(const std::vector<std::string>& args) {
  Result<Flags> parsed = Flags::Parse(args);
  if (!parsed.ok()) return FlagError("log-status", parsed.status());
  auto members = MembersFlag(*parsed);
  if (!members.ok()) return FlagError("log-status", members.status());
  if (Status s = parsed->CheckAllUsed(); !s.ok()) return FlagError("log-status", s);

  LogClient client(*members);
  std::map<LogGroupId, std::set<raft::NodeId>> leaders;  // group -> members that lead it
  bool any_answered = false;
  for (const auto& [id, address] : *members) {
    Result<LogMemberStatus> status = client.StatusOf(id, kStatusTimeout);
    if (!status.ok()) {
      std::printf("member %llu (%s): unreachable: %s\n", ull(id), address.c_str(),
                  status.status().message().c_str());
      continue;
    }
    any_answered = true;
    for (const LogGroupStatus& g : status->groups) {
      std::printf(
          "member %llu (%s): group %u %-13s term %llu leader %llu commit %llu applied %llu "
          "last %llu\n",
          ull(id), address.c_str(), g.group, g.role.c_str(), ull(g.term), ull(g.leader),
          ull(g.commit), ull(g.applied), ull(g.last_index));
      std::set<raft::NodeId>& group_leaders = leaders[g.group];
      if (g.role == "leader") group_leaders.insert(id);
    }
  }
  std::fflush(stdout);
  if (!any_answered) {
    std::fprintf(stderr, "waggle log-status: no member answered\n");
    return 1;
  }
  int leaderless = 0;
  for (const auto& [group, group_leaders] : leaders) {
    if (group_leaders.empty()) leaderless++;
  }
  if (leaderless > 0) {
    std::fprintf(stderr, "waggle log-status: %d group(s) without a leader\n", leaderless);
    return 1;
  }
  return 0;
}

int RunLogAppendCommand(const std::vector<std::string>& args) {
  Result<AppendOptions> options = ParseAppendFlags(args);
  if (!options.ok()) return FlagError("log-append", options.status());

  AppendRun run(*options);
  std::atomic<bool> done{false};
  std::thread progress([&] { run.Progress(done); });
  std::vector<std::thread> workers;
  for (int64_t i = 0; i < options->inflight; ++i) workers.emplace_back([&] { run.Worker(); });
  for (std::thread& t : workers) t.join();
  done = true;
  progress.join();

  if (run.failed) {
    std::fprintf(stderr, "waggle log-append: gave up after %lld entries: %s\n",
                 static_cast<long long>(run.acknowledged.load()), run.error.c_str());
    return 1;
  }
  std::sort(run.latencies.begin(), run.latencies.end());
  const double seconds = run.Seconds();
  std::printf(
      "log-append: done: %lld entries of %lld bytes in %.2fs (%.0f/s), last index %llu, "
      "append latency p50 %lld ms p99 %lld ms max %lld ms\n",
      static_cast<long long>(options->count), static_cast<long long>(options->size), seconds,
      options->count / seconds, ull(run.last_index.load()),
      static_cast<long long>(Percentile(run.latencies, 0.5).count()),
      static_cast<long long>(Percentile(run.latencies, 0.99).count()),
      static_cast<long long>(run.latencies.back().count()));
  std::fflush(stdout);
  return 0;
}

}  // namespace waggle::cmd
