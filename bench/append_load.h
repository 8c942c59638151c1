// AppendLoad: a closed-loop client of LogService::Append. It keeps
// `concurrency` entries outstanding, spread over `streams` bidi streams to the
// leader: each acknowledgement of n entries lets the stream send n new ones,
// merged into one request when several acknowledgements arrive while a write
// is in flight, so batching follows the load instead of being configured.
//
// A stream that breaks or reaches a member that does not lead is replaced by
// one to the leader the member named, or to the next member: the load
// survives a failover on its own.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

namespace grpc {
class Channel;
}

namespace waggle::bench {

using NodeId = uint64_t;
using Clock = std::chrono::steady_clock;

struct LoadOptions {
  int concurrency = 1;
  int streams = 1;  // REQUIRES: 1 <= streams <= concurrency
  size_t entry_bytes = 256;
  int max_entries_per_request = 64;
  uint32_t group = 1;
};

// What the client saw between BeginWindow and EndWindow. Latencies are per
// entry, from the write of its request to the acknowledgement.
struct WindowResult {
  std::chrono::nanoseconds elapsed{0};
  uint64_t entries = 0;   // acknowledged as committed
  uint64_t requests = 0;  // acknowledged requests, so entries/requests is the batch size
  uint64_t rejected = 0;  // requests answered "not ok" (e.g. not leader)
  double p50_us = 0, p99_us = 0, p999_us = 0, max_us = 0;
};

class AppendLoad {
 public:
  // addresses: LogService address of every member; leader: where to start.
  AppendLoad(LoadOptions options, std::map<NodeId, std::string> addresses, NodeId leader);
  // Stops if still running.
  ~AppendLoad();
  AppendLoad(const AppendLoad&) = delete;
  AppendLoad& operator=(const AppendLoad&) = delete;

  void Start();
  // Stops sending, waits briefly for outstanding entries, then cancels the
  // rest and waits for every stream to end.
  void Stop();

  void BeginWindow();
  WindowResult EndWindow();

  // Acknowledged entries since Start.
  uint64_t total_entries() const { return total_entries_.load(); }

  // Failover measurement: after Arm, the first acknowledgement from a member
  // other than old_leader is the moment appends succeed again.
  void ArmFailover(NodeId old_leader);
  // The time of that acknowledgement, if one came within timeout.
  std::optional<Clock::time_point> WaitFailover(std::chrono::milliseconds timeout);

 private:
  class Stream;
  struct Slot {
    NodeId target = 0;
    Stream* stream = nullptr;  // the live stream, if any; guarded by mu_
  };
  struct Sample {
    uint32_t latency_us;
    uint32_t entries;
  };
  // Called by streams, on gRPC threads.
  void OnAcked(NodeId from, Clock::time_point sent, Clock::time_point now, uint32_t entries);
  void OnRejected();
  void OnStreamDone(Stream* stream, int slot, NodeId hint, bool succeeded);
  int SlotCredits(int slot) const;
  // REQUIRES: mu_ held. The caller Begins the stream after releasing mu_.
  Stream* NewStream(int slot);
  void Manage();
  NodeId NextTarget(NodeId failed, NodeId hint) const;

  const LoadOptions options_;
  const std::string payload_;
  std::map<NodeId, std::shared_ptr<grpc::Channel>> channels_;
  std::vector<Slot> slots_;
  std::atomic<uint64_t> total_entries_{0};

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;                                // guarded by mu_
  std::vector<std::tuple<int, NodeId, bool>> finished_;  // (slot, hint, succeeded), mu_
  std::vector<Stream*> ended_;      // streams whose call ended, to delete; guarded by mu_
  int live_streams_ = 0;            // guarded by mu_
  bool window_open_ = false;        // guarded by mu_
  Clock::time_point window_start_;  // guarded by mu_
  WindowResult window_;             // guarded by mu_
  std::vector<Sample> samples_;     // guarded by mu_
  NodeId failover_old_leader_ = 0;  // guarded by mu_
  bool failover_armed_ = false;     // guarded by mu_
  std::optional<Clock::time_point> failover_at_;  // guarded by mu_
  std::thread manager_;
};

}  // namespace waggle::bench
