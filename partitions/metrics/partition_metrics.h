// PartitionMetrics: the Prometheus series of one partition as hosted by this
// broker (label partition="<id>"). Counters and histograms follow events as
// they happen (it is the partition's PartitionObserver, and takes the
// driver's journal timings); gauges are set from a PartitionSample read at
// scrape time, so that nothing is published on the hot path that a scrape
// can read for itself.
//
// The counters count what this member did: workflow counts, processing and
// backpressure only ever happen on the leader, so summing over brokers gives
// the cluster's totals; elections and leader changes are as this member saw
// them.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>

#include <atomic>
#include <map>
#include <string>

#include "common/monitoring/histogram.h"
#include "partitions/metrics/partition_sample.h"
#include "partitions/partition_observer.h"

namespace waggle::partitions {

// The metric families the series of every partition belong to.
struct PartitionFamilies {
  prometheus::Family<prometheus::Gauge>& raft_role;
  prometheus::Family<prometheus::Gauge>& raft_term;
  prometheus::Family<prometheus::Gauge>& raft_commit_index;
  prometheus::Family<prometheus::Gauge>& raft_last_log_index;
  prometheus::Family<prometheus::Counter>& raft_elections;
  prometheus::Family<prometheus::Counter>& raft_leader_changes;
  monitoring::HistogramFamily& journal_append_latency;
  monitoring::HistogramFamily& journal_fsync_latency;
  prometheus::Family<prometheus::Gauge>& journal_segments;
  prometheus::Family<prometheus::Gauge>& journal_bytes;
  prometheus::Family<prometheus::Counter>& snapshots;
  prometheus::Family<prometheus::Gauge>& snapshot_age;
  prometheus::Family<prometheus::Gauge>& snapshot_duration;
  prometheus::Family<prometheus::Counter>& snapshot_installs;
  prometheus::Family<prometheus::Counter>& processed_records;
  monitoring::HistogramFamily& processing_latency;
  prometheus::Family<prometheus::Gauge>& processing_backlog;
  prometheus::Family<prometheus::Counter>& instances_created;
  prometheus::Family<prometheus::Counter>& instances_completed;
  prometheus::Family<prometheus::Counter>& jobs_created;
  prometheus::Family<prometheus::Counter>& jobs_activated;
  prometheus::Family<prometheus::Counter>& jobs_completed;
  prometheus::Family<prometheus::Counter>& incidents_created;
  prometheus::Family<prometheus::Gauge>& backpressure_limit;
  prometheus::Family<prometheus::Gauge>& backpressure_inflight;
  prometheus::Family<prometheus::Counter>& backpressure_rejected;
  prometheus::Family<prometheus::Gauge>& exporter_position;
  prometheus::Family<prometheus::Gauge>& exporter_lag;
};

// waggle_raft_role's values.
double RoleGaugeValue(raft::Role role);

class PartitionMetrics final : public PartitionObserver {
 public:
  PartitionMetrics(PartitionFamilies& families, int32_t partition_id);

  // PartitionObserver (the partition's thread).
  void OnRoleChanged(const raft::SoftState& state, raft::Term term) override;
  void OnCommandProcessed(int64_t latency_ms) override;
  void OnOutputCommitted(const engine::ProcessingResult& result) override;
  void OnBackpressureRejected() override;
  void OnSnapshotTaken(int64_t duration_ms) override;
  void OnSnapshotInstalled() override;

  // The driver thread.
  void OnJournalIo(const replication::JournalIo& io);

  // Sets the gauges. Scrape time; calls must not overlap.
  void Sample(const PartitionSample& sample);

 private:
  PartitionFamilies& families_;
  const prometheus::Labels labels_;

  prometheus::Gauge& role_;
  prometheus::Gauge& term_;
  prometheus::Gauge& commit_index_;
  prometheus::Gauge& last_log_index_;
  prometheus::Counter& elections_;
  prometheus::Counter& leader_changes_;
  monitoring::Histogram& append_latency_;
  monitoring::Histogram& fsync_latency_;
  prometheus::Gauge& segments_;
  prometheus::Gauge& bytes_;
  prometheus::Counter& snapshots_;
  prometheus::Gauge& snapshot_age_;
  prometheus::Gauge& snapshot_duration_;
  prometheus::Counter& snapshot_installs_;
  prometheus::Counter& processed_;
  monitoring::Histogram& processing_latency_;
  prometheus::Gauge& backlog_;
  prometheus::Counter& instances_created_;
  prometheus::Counter& instances_completed_;
  prometheus::Counter& jobs_created_;
  prometheus::Counter& jobs_activated_;
  prometheus::Counter& jobs_completed_;
  prometheus::Counter& incidents_created_;
  prometheus::Gauge& backpressure_limit_;
  prometheus::Gauge& backpressure_inflight_;
  prometheus::Counter& backpressure_rejected_;

  // The partition's thread only.
  raft::Role last_role_ = raft::Role::kFollower;
  raft::NodeId last_leader_ = raft::kNoNode;
  // When this member last took a snapshot (steady clock, ns): written by the
  // partition's thread, read at scrape time. Starts at construction, since
  // the snapshot a member starts from is as old as its start here.
  std::atomic<int64_t> last_snapshot_ns_;

  // Scrape time only: the exporters' series, by exporter id.
  struct ExporterSeries {
    prometheus::Gauge* position;
    prometheus::Gauge* lag;
  };
  std::map<std::string, ExporterSeries> exporters_;
};

}  // namespace waggle::partitions
