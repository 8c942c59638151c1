#include "gateway/topology_poller.h"

#include <algorithm>
#include <set>

#include "gateway/broker_client.h"
#include "gateway/topology.h"

namespace waggle::gateway {

// A broker gets at least this long to answer, however short the interval: a
// loaded broker must not drop out of the topology because it answered slowly.
constexpr std::chrono::milliseconds kMinReplyTimeout{2000};

TopologyPoller::TopologyPoller(BrokerClient* brokers, TopologyCache* topology, TimerQueue* timers,
                               std::vector<std::string> contact_points,
                               std::chrono::milliseconds interval,
                               std::function<void(const std::string&)> on_broker)
    : brokers_(brokers),
      topology_(topology),
      timers_(timers),
      contact_points_(std::move(contact_points)),
      interval_(interval),
      on_broker_(std::move(on_broker)) {}

void TopologyPoller::Start() {
  Tick();
}

void TopologyPoller::Tick() {
  RefreshNow();
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
  }
  // Not under mu_: a stopped TimerQueue runs the task inline. A tick that
  // Stop() misses finds stopped_ set and ends there.
  const TimerQueue::TimerId id = timers_->ScheduleAfter(interval_, [this] { Tick(); });
  std::lock_guard lock(mu_);
  tick_ = id;
}

void TopologyPoller::RefreshNow() {
  {
    std::lock_guard lock(mu_);
    if (stopped_ || replies_pending_ > 0) return;
  }
  PollRound();
}

void TopologyPoller::Stop() {
  std::lock_guard lock(mu_);
  stopped_ = true;
  timers_->Cancel(tick_);
}

void TopologyPoller::PollRound() {
  std::set<std::string> addresses(contact_points_.begin(), contact_points_.end());
  for (const std::string& address : topology_->BrokerAddresses()) addresses.insert(address);
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    replies_pending_ += static_cast<int>(addresses.size());
  }
  for (const std::string& address : addresses) {
    brokers_->GetTopology(address, std::max(interval_, kMinReplyTimeout),
                          [this](Result<ClusterState> report) {
                            if (report.ok()) {
                              topology_->Update(*report);
                              for (const BrokerState& broker : report->brokers)
                                on_broker_(broker.address());
                            }
                            std::lock_guard lock(mu_);
                            --replies_pending_;
                          });
  }
}

}  // namespace waggle::gateway
