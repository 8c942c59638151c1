// BrokerMonitoring: a broker's monitoring port (network.monitoringApi.port,
// Zeebe's 9600), docs/operations.md:
//   /metrics     Prometheus text: BrokerMetrics and the process metrics
//   /health      200 while the process serves
//   /startup     503 until the broker has started (partitions replayed,
//                replication and the command API running), then 200
//   /ready       200 when BrokerReadiness holds, else 503 with the reason
//   /partitions  JSON status of every hosted partition
//   /partitions/digest  each hosted partition's state digest and the
//                positions it covers (reads the whole state: for checks)
// It serves from before the partitions open, so that probes get answers
// during a long replay.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/monitoring/http_server.h"
#include "common/status.h"
#include "partitions/metrics/broker_metrics.h"
#include "partitions/partition.h"

namespace waggle::partitions {

class BrokerMonitoring {
 public:
  BrokerMonitoring(std::string host, int port);
  ~BrokerMonitoring();

  Status Start();
  // The bound port. REQUIRES: Start succeeded.
  int port() const { return server_.port(); }

  // The partition's observer. REQUIRES: before the driver starts.
  std::shared_ptr<PartitionObserver> AddPartition(int32_t partition_id);
  // For DriverOptions::on_journal_io; valid while this object lives.
  std::function<void(const replication::JournalIo&)> JournalIoHook();

  // The broker has started: /startup turns 200, and /ready, /partitions and
  // the gauges read these (only /partitions/digest goes through the
  // partitions' threads). REQUIRES: they outlive Stop().
  void Attach(const replication::MultiRaft* driver, std::vector<Partition*> partitions);

  // Seam for the exporters: the progress of the exporters running on this
  // member for a partition (none while unset).
  void SetExporterProgress(std::function<std::vector<ExporterProgress>(int32_t)> progress);

  // Stops serving; afterwards nothing reads what Attach was given.
  void Stop();

 private:
  std::map<int32_t, PartitionSample> Sample() const;
  nlohmann::json Digests() const;

  const std::shared_ptr<BrokerMetrics> metrics_;
  monitoring::MonitoringServer server_;

  mutable std::mutex mu_;
  const replication::MultiRaft* driver_ = nullptr;  // guarded by mu_; null until started
  std::vector<Partition*> partitions_;              // guarded by mu_
  std::function<std::vector<ExporterProgress>(int32_t)> exporter_progress_;  // guarded by mu_
};

}  // namespace waggle::partitions
