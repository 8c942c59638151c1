// CommandApiServer: the broker's command API (common/protocol/broker_api.proto)
// on the command port, over gRPC's callback API: no thread per request; an
// ExecuteCommand call is finished from the partition's thread when the
// partition answers.
//
// gRPC stays out of this header (see toolchain notes: its headers are
// expensive), hence the Impl.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "partitions/config/broker_config.h"
#include "partitions/partition.h"

namespace waggle::partitions {

class CommandApiServer {
 public:
  struct Hooks {
    // The partition this broker hosts with that id, or nullptr.
    std::function<Partition*(int32_t partition_id)> partition;
    // Every partition this broker hosts.
    std::function<std::vector<Partition*>()> partitions;
  };

  // REQUIRES: the hooks' partitions outlive the server.
  CommandApiServer(const BrokerConfig& config, Hooks hooks);
  ~CommandApiServer();
  CommandApiServer(const CommandApiServer&) = delete;
  CommandApiServer& operator=(const CommandApiServer&) = delete;

  // Listens on config.host:config.command_api_port (0: a free port).
  Status Start();
  // Ends open calls and streams, then stops serving. Idempotent.
  void Stop();
  int port() const;

  // Records of the partition were committed: record streams of it read on.
  // Thread-safe.
  void NotifyCommitted(int32_t partition_id);

  // Tells every WatchJobsAvailable stream. Thread-safe.
  void NotifyJobsAvailable(int32_t partition_id, const std::vector<std::string>& job_types);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace waggle::partitions
