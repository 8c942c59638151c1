// TopologyPoller: keeps the TopologyCache fresh by asking brokers for their
// topology (GetTopology on the command API): the contact points and every
// broker learned from them, every interval, and at once when a request met
// a leader change. Runs on the timer thread and gRPC callbacks only.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "gateway/timer_queue.h"

namespace waggle::gateway {

class BrokerClient;
class TopologyCache;

class TopologyPoller {
 public:
  // `on_broker` is called with the command API address of each broker seen
  // in a report (every time; callers deduplicate). Pointers must outlive the
  // poller and, for callbacks in flight, BrokerClient::Shutdown.
  TopologyPoller(BrokerClient* brokers, TopologyCache* topology, TimerQueue* timers,
                 std::vector<std::string> contact_points, std::chrono::milliseconds interval,
                 std::function<void(const std::string& address)> on_broker);

  // Polls now and then every interval; a round still waiting for replies
  // is not doubled. REQUIRES: not started before.
  void Start();
  // One more poll round now, unless a round is still in flight.
  void RefreshNow();
  // No more rounds start. Replies in flight still update the cache (until
  // BrokerClient::Shutdown drains them). Idempotent.
  void Stop();

 private:
  void Tick();
  void PollRound();

  BrokerClient* const brokers_;
  TopologyCache* const topology_;
  TimerQueue* const timers_;
  const std::vector<std::string> contact_points_;
  const std::chrono::milliseconds interval_;
  const std::function<void(const std::string&)> on_broker_;

  std::mutex mu_;
  bool stopped_ = false;
  int replies_pending_ = 0;
  TimerQueue::TimerId tick_ = 0;
};

}  // namespace waggle::gateway
