// Dispatcher: sends a command to the broker that leads the partition of its
// route, and hides leader changes within the request timeout, as Zeebe's
// gateway does:
// - a fixed partition (deployment, key, correlation key) is retried on the
//   same partition after NOT_LEADER or an unreachable broker, once the
//   topology names a (new) leader;
// - a round-robin command moves on to the next partition with a leader on
//   NOT_LEADER, RESOURCE_EXHAUSTED or an unreachable broker; when every
//   partition was tried it fails with RESOURCE_EXHAUSTED.
// Nothing blocks: waits for a leader are timers.
#pragma once

#include <grpcpp/support/status.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "common/record/record_generated.h"
#include "gateway/broker_client.h"
#include "gateway/commands.h"
#include "gateway/routing.h"

namespace waggle::gateway {

class TimerQueue;
class TopologyCache;

class Dispatcher {
 public:
  // The broker's answer (decoded, verified) when `status` is OK; the answer
  // may still be a rejection (CheckAnswer maps it).
  using Callback = std::function<void(grpc::Status status, record::fb::RecordT answer)>;

  struct Options {
    // The deadline of a command that states none.
    std::chrono::milliseconds request_timeout = kDefaultRequestTimeout;
    // Wait before retrying while no leader is known.
    std::chrono::milliseconds retry_delay{50};
  };

  // `refresh_topology` asks for a topology poll now (after NOT_LEADER).
  // Every pointer must outlive the dispatcher and every command in flight.
  Dispatcher(BrokerClient* brokers, TopologyCache* topology, TimerQueue* timers,
             std::function<void()> refresh_topology, Options options);

  // Sends the encoded `command` along `route` within `timeout` (zero: the
  // request timeout) and calls `done` once, on a gRPC or timer thread.
  // With retry false a fixed-partition command gets a single attempt (used
  // where the caller moves on by itself, as ActivateJobs does).
  void Send(const Route& route, std::string command, std::chrono::milliseconds timeout, bool retry,
            Callback done);

  const Options& options() const { return options_; }

 private:
  struct Attempt;
  void Try(std::shared_ptr<Attempt> attempt);
  void OnReply(std::shared_ptr<Attempt> attempt, int32_t partition, int32_t node_id,
               Status transport, CommandReply reply);
  // Retries after `delay` unless the deadline passes first; then fails with
  // the last error seen.
  void RetryLater(std::shared_ptr<Attempt> attempt, std::chrono::milliseconds delay);
  void MoveOn(std::shared_ptr<Attempt> attempt);

  BrokerClient* const brokers_;
  TopologyCache* const topology_;
  TimerQueue* const timers_;
  const std::function<void()> refresh_topology_;
  const Options options_;
  RoundRobin round_robin_;
};

}  // namespace waggle::gateway
