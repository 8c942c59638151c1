// BrokerClient: the gateway's only way to brokers, the command API of
// common/protocol/broker_api.proto, asynchronously: no call blocks a thread.
// One channel per broker address, created on first use.
//
// gRPC stays out of this header (it is included by the gateway's pure parts'
// tests and by cmd/).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "gateway/topology.h"

namespace waggle::gateway {

class TimerQueue;

// A broker's answer to ExecuteCommand (broker_api.proto's
// ExecuteCommandResponse, with the same outcomes).
struct CommandReply {
  enum class Outcome {
    kRecord,
    kNotLeader,
    kPartitionNotFound,
    kResourceExhausted,
    kInvalidCommand,
    kTimeout,  // the broker's or the call's deadline passed
    kAccepted,
  };
  Outcome outcome = Outcome::kRecord;
  std::string record;  // an encoded Record, for kRecord
  int32_t leader_node_id = -1;
  std::string message;
};

class BrokerClient {
 public:
  // Callbacks run on gRPC threads and should return quickly.
  // `transport` is not OK when the broker could not be reached (Unavailable)
  // or the client is shutting down (Aborted); `reply` is meaningful only when
  // it is OK. A call that outlives its timeout answers kTimeout.
  using CommandCallback = std::function<void(Status transport, CommandReply reply)>;
  using TopologyCallback = std::function<void(Result<ClusterState>)>;
  using JobsAvailableHandler =
      std::function<void(int32_t partition_id, const std::vector<std::string>& job_types)>;

  // `timers` schedules reconnects of the JobsAvailable streams; it must
  // outlive this client.
  explicit BrokerClient(TimerQueue* timers);
  // Shuts down if still running.
  ~BrokerClient();
  BrokerClient(const BrokerClient&) = delete;
  BrokerClient& operator=(const BrokerClient&) = delete;

  // Sends an encoded command to `partition_id` on the broker at `address`
  // and waits up to `timeout` for the processed result.
  void ExecuteCommand(const std::string& address, int32_t partition_id, std::string command,
                      std::chrono::milliseconds timeout, CommandCallback done);

  void GetTopology(const std::string& address, std::chrono::milliseconds timeout,
                   TopologyCallback done);

  // Keeps a WatchJobsAvailable stream open to `address` (reopened after
  // errors until shutdown) and passes each notice to `handler`. Calls for an
  // address already watched do nothing.
  void WatchJobsAvailable(const std::string& address, JobsAvailableHandler handler);

  // Cancels every call in flight (their callbacks run with Aborted), closes
  // the streams, answers later calls with Aborted at once, and returns when
  // no callback is running or pending. Idempotent.
  void Shutdown();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace waggle::gateway
