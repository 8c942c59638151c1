// BrokerMetrics: every Prometheus metric of a broker's partitions, as one
// Collectable for the monitoring server. docs/operations.md lists them.
//
// Set-up: AddPartition for each hosted partition before the driver starts
// (journal timings then look partitions up without a lock). Collect first
// runs the sampler, which sets each partition's gauges from the partitions'
// and the driver's state.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/registry.h>

#include <functional>
#include <map>
#include <memory>
#include <mutex>

#include "common/monitoring/histogram.h"
#include "partitions/metrics/partition_metrics.h"

namespace waggle::partitions {

class BrokerMetrics final : public prometheus::Collectable {
 public:
  BrokerMetrics();

  // The partition's series; REQUIRES: before the driver starts, once per id.
  std::shared_ptr<PartitionMetrics> AddPartition(int32_t partition_id);
  // The driver's journal timings (DriverOptions::on_journal_io).
  void OnJournalIo(const replication::JournalIo& io);

  // Samples of the hosted partitions by id; called at every Collect, on the
  // scrape thread, once set.
  void SetSampler(std::function<std::map<int32_t, PartitionSample>()> sampler);

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const std::shared_ptr<prometheus::Registry> registry_;
  monitoring::HistogramFamily append_latency_;
  monitoring::HistogramFamily fsync_latency_;
  monitoring::HistogramFamily processing_latency_;
  PartitionFamilies families_;

  // Serializes scrapes (sampling sets gauges, then they are collected) and
  // AddPartition against them.
  mutable std::mutex collect_mu_;
  // Written under collect_mu_ before the driver starts; the driver's thread
  // reads it without the lock (OnJournalIo).
  std::map<int32_t, std::shared_ptr<PartitionMetrics>> partitions_;
  std::function<std::map<int32_t, PartitionSample>()> sampler_;  // guarded by collect_mu_
};

}  // namespace waggle::partitions
