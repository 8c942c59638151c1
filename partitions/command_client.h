// CommandClient: how a partition's leader sends commands to other partitions
// (deployment distribution, message correlation): through the command API
// of the broker that leads the target partition.
//
// The leader of a partition is guessed: the one a not-leader answer named,
// else the leader this broker's own member of the partition knows, else the
// partition's primary; an unreachable broker or an answer naming no leader
// moves the guess to the next member. The caller retries (Partition does,
// with back-off), so a wrong guess costs one round trip.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "common/status.h"
#include "partitions/config/broker_config.h"
#include "partitions/placement.h"

namespace grpc {
class ClientContext;
class Status;
}  // namespace grpc

namespace waggle::broker_api {
class ExecuteCommandResponse;
}  // namespace waggle::broker_api

namespace waggle::partitions {

class CommandClient {
 public:
  // local_leader: the leader (node id, -1 unknown) this broker knows for a
  // partition it hosts.
  CommandClient(const BrokerConfig& config, std::function<int32_t(int32_t)> local_leader);
  ~CommandClient();
  CommandClient(const CommandClient&) = delete;
  CommandClient& operator=(const CommandClient&) = delete;

  // Appends `command` on partition_id without awaiting its result; `done`
  // runs on a gRPC thread: OK once the target committed it.
  void Send(int32_t partition_id, std::string command, std::function<void(Status)> done);

  // Cancels the calls in flight and waits until their `done` ran, so that
  // what those capture may be destroyed; later sends fail at once. Idempotent.
  void Stop();

 private:
  class Channels;
  int32_t Guess(int32_t partition_id);
  // A call ended: report it, then forget it (in that order, for Stop).
  void Finished(grpc::ClientContext& context, int32_t node, int32_t partition_id,
                const grpc::Status& status, const broker_api::ExecuteCommandResponse& response,
                const std::function<void(Status)>& done);
  void Report(int32_t node, int32_t partition_id, const grpc::Status& status,
              const broker_api::ExecuteCommandResponse& response,
              const std::function<void(Status)>& done);
  void Learned(int32_t partition_id, int32_t tried, int32_t leader);

  const BrokerConfig config_;
  const std::vector<PartitionPlacement> placement_;
  const std::function<int32_t(int32_t)> local_leader_;
  std::unique_ptr<Channels> channels_;
  std::mutex mu_;
  std::map<int32_t, int32_t> guesses_;  // partition -> node id
  std::condition_variable idle_;
  std::set<grpc::ClientContext*> in_flight_;
  bool stopped_ = false;
};

}  // namespace waggle::partitions
