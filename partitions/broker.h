// Broker: one waggle broker process. Hosts its share of the partitions (a
// Raft member, an engine and a clock each, see partition.h) over one
// MultiRaft driver and the gRPC transport on the internal port, serves the
// command API on the command port and metrics and probes on the monitoring
// port (metrics/broker_monitoring.h). The configured exporters run on the
// leader of each partition (partition_exporters.h).
#pragma once

#include <chrono>
#include <memory>
#include <vector>

#include "common/status.h"
#include "partitions/config/broker_config.h"
#include "partitions/partition.h"

namespace waggle::partitions {

class Broker {
 public:
  Broker(BrokerConfig config, EngineFactory engine_factory);
  ~Broker();
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  // Opens the partitions (state rebuilt from snapshot and log), then starts
  // replication and the command API. REQUIRES: called once.
  Status Start();

  // Graceful stop: hands the leadership of the partitions it leads to
  // another member (waiting at most `handover`), then stops replication
  // (journals are flushed every round), answers pending requests and stops
  // serving. Idempotent.
  void Stop(std::chrono::milliseconds handover = std::chrono::seconds(3));

  int command_port() const;
  int monitoring_port() const;
  const std::vector<std::unique_ptr<Partition>>& partitions() const { return partitions_; }

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
  std::vector<std::unique_ptr<Partition>> partitions_;
};

}  // namespace waggle::partitions
