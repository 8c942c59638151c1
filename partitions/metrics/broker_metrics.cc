#include "partitions/metrics/broker_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>

namespace waggle::partitions {

namespace {

prometheus::Family<prometheus::Gauge>& Gauge(prometheus::Registry& r, const char* name,
                                             const char* help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(r);
}

prometheus::Family<prometheus::Counter>& Counter(prometheus::Registry& r, const char* name,
                                                 const char* help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(r);
}

}  // namespace

BrokerMetrics::BrokerMetrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      append_latency_("waggle_journal_append_latency_seconds",
                      "Time to write one round's entries of a partition to its journal "
                      "(buffered, before the sync).",
                      monitoring::LatencyBuckets()),
      fsync_latency_("waggle_journal_fsync_latency_seconds",
                     "Time to make one round's journal writes of a partition durable.",
                     monitoring::LatencyBuckets()),
      processing_latency_("waggle_stream_processor_latency_seconds",
                          "Time from a command being written to the log until the leader "
                          "processed it.",
                          monitoring::LatencyBuckets()),
      families_{
          Gauge(*registry_, "waggle_raft_role",
                "Raft role of this member: 0 follower, 1 candidate (or pre-candidate), 2 leader."),
          Gauge(*registry_, "waggle_raft_term", "Current Raft term of this member."),
          Gauge(*registry_, "waggle_raft_commit_index", "Highest log index known committed."),
          Gauge(*registry_, "waggle_raft_last_log_index", "Index of the last entry in the log."),
          Counter(*registry_, "waggle_raft_elections_total",
                  "Elections this member started (pre-vote included)."),
          Counter(*registry_, "waggle_raft_leader_changes_total",
                  "Times this member learned of a new leader."),
          append_latency_,
          fsync_latency_,
          Gauge(*registry_, "waggle_journal_segments", "Segment files of the partition's journal."),
          Gauge(*registry_, "waggle_journal_bytes", "Bytes in the journal's segment files."),
          Counter(*registry_, "waggle_snapshots_total", "Snapshots this member took."),
          Gauge(*registry_, "waggle_snapshot_age_seconds",
                "Seconds since this member took its latest snapshot (or started)."),
          Gauge(*registry_, "waggle_snapshot_duration_seconds",
                "Duration of this member's latest snapshot, from state export to persisted."),
          Counter(*registry_, "waggle_snapshot_installs_total",
                  "Snapshots from the leader this member rebuilt its state from."),
          Counter(*registry_, "waggle_stream_processor_records_total",
                  "Commands the leader processed."),
          processing_latency_,
          Gauge(*registry_, "waggle_stream_processor_backlog",
                "Committed commands not processed yet."),
          Counter(*registry_, "waggle_process_instances_created_total",
                  "Process instances activated (call activities' included), on the leader."),
          Counter(*registry_, "waggle_process_instances_completed_total",
                  "Process instances completed, on the leader."),
          Counter(*registry_, "waggle_jobs_created_total", "Jobs created, on the leader."),
          Counter(*registry_, "waggle_jobs_activated_total",
                  "Jobs activated for workers, on the leader."),
          Counter(*registry_, "waggle_jobs_completed_total", "Jobs completed, on the leader."),
          Counter(*registry_, "waggle_incidents_created_total", "Incidents raised, on the leader."),
          Gauge(*registry_, "waggle_backpressure_limit",
                "Commands the leader accepts in flight (AIMD limit)."),
          Gauge(*registry_, "waggle_backpressure_inflight",
                "Commands written and not answered yet."),
          Counter(*registry_, "waggle_backpressure_rejected_total",
                  "Commands refused by backpressure (RESOURCE_EXHAUSTED)."),
          Gauge(*registry_, "waggle_exporter_position",
                "Last position the exporter acknowledged, on the leader."),
          Gauge(*registry_, "waggle_exporter_lag",
                "Committed position minus the exporter's acknowledged position."),
      } {}

std::shared_ptr<PartitionMetrics> BrokerMetrics::AddPartition(int32_t partition_id) {
  auto metrics = std::make_shared<PartitionMetrics>(families_, partition_id);
  // The monitoring server may already serve (probes during start-up).
  std::lock_guard lock(collect_mu_);
  partitions_[partition_id] = metrics;
  return metrics;
}

void BrokerMetrics::OnJournalIo(const replication::JournalIo& io) {
  auto it = partitions_.find(static_cast<int32_t>(io.group));
  if (it != partitions_.end()) it->second->OnJournalIo(io);
}

void BrokerMetrics::SetSampler(std::function<std::map<int32_t, PartitionSample>()> sampler) {
  std::lock_guard lock(collect_mu_);
  sampler_ = std::move(sampler);
}

std::vector<prometheus::MetricFamily> BrokerMetrics::Collect() const {
  std::lock_guard lock(collect_mu_);
  if (sampler_) {
    for (const auto& [id, sample] : sampler_()) {
      auto it = partitions_.find(id);
      if (it != partitions_.end()) it->second->Sample(sample);
    }
  }
  std::vector<prometheus::MetricFamily> families = registry_->Collect();
  for (const monitoring::HistogramFamily* h :
       {&append_latency_, &fsync_latency_, &processing_latency_}) {
    std::vector<prometheus::MetricFamily> collected = h->Collect();
    families.insert(families.end(), collected.begin(), collected.end());
  }
  return families;
}

}  // namespace waggle::partitions
