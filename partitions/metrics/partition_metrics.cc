#include "partitions/metrics/partition_metrics.h"

#include <chrono>

#include "partitions/metrics/workflow_counts.h"

namespace waggle::partitions {

namespace {

int64_t SteadyNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

double Seconds(std::chrono::nanoseconds d) {
  return std::chrono::duration<double>(d).count();
}

bool Campaigning(raft::Role role) {
  return role == raft::Role::kPreCandidate || role == raft::Role::kCandidate;
}

}  // namespace

double RoleGaugeValue(raft::Role role) {
  switch (role) {
    case raft::Role::kFollower: return 0;
    case raft::Role::kPreCandidate:
    case raft::Role::kCandidate: return 1;
    case raft::Role::kLeader: return 2;
  }
  return 0;
}

PartitionMetrics::PartitionMetrics(PartitionFamilies& f, int32_t partition_id)
    : families_(f),
      labels_{{"partition", std::to_string(partition_id)}},
      role_(f.raft_role.Add(labels_)),
      term_(f.raft_term.Add(labels_)),
      commit_index_(f.raft_commit_index.Add(labels_)),
      last_log_index_(f.raft_last_log_index.Add(labels_)),
      elections_(f.raft_elections.Add(labels_)),
      leader_changes_(f.raft_leader_changes.Add(labels_)),
      append_latency_(f.journal_append_latency.Add(labels_)),
      fsync_latency_(f.journal_fsync_latency.Add(labels_)),
      segments_(f.journal_segments.Add(labels_)),
      bytes_(f.journal_bytes.Add(labels_)),
      snapshots_(f.snapshots.Add(labels_)),
      snapshot_age_(f.snapshot_age.Add(labels_)),
      snapshot_duration_(f.snapshot_duration.Add(labels_)),
      snapshot_installs_(f.snapshot_installs.Add(labels_)),
      processed_(f.processed_records.Add(labels_)),
      processing_latency_(f.processing_latency.Add(labels_)),
      backlog_(f.processing_backlog.Add(labels_)),
      instances_created_(f.instances_created.Add(labels_)),
      instances_completed_(f.instances_completed.Add(labels_)),
      jobs_created_(f.jobs_created.Add(labels_)),
      jobs_activated_(f.jobs_activated.Add(labels_)),
      jobs_completed_(f.jobs_completed.Add(labels_)),
      incidents_created_(f.incidents_created.Add(labels_)),
      backpressure_limit_(f.backpressure_limit.Add(labels_)),
      backpressure_inflight_(f.backpressure_inflight.Add(labels_)),
      backpressure_rejected_(f.backpressure_rejected.Add(labels_)),
      last_snapshot_ns_(SteadyNanos()) {}

void PartitionMetrics::OnRoleChanged(const raft::SoftState& state, raft::Term) {
  if (Campaigning(state.role) && !Campaigning(last_role_)) elections_.Increment();
  if (state.leader != raft::kNoNode && state.leader != last_leader_) {
    leader_changes_.Increment();
    last_leader_ = state.leader;
  }
  last_role_ = state.role;
}

void PartitionMetrics::OnCommandProcessed(int64_t latency_ms) {
  processed_.Increment();
  processing_latency_.Observe(static_cast<double>(std::max<int64_t>(0, latency_ms)) / 1000.0);
}

void PartitionMetrics::OnOutputCommitted(const engine::ProcessingResult& result) {
  const WorkflowCounts c = CountWorkflowRecords(result.records);
  // Most batches touch one or two of these: skip the atomic adds of zeros.
  const auto add = [](prometheus::Counter& counter, int64_t n) {
    if (n > 0) counter.Increment(static_cast<double>(n));
  };
  add(instances_created_, c.instances_created);
  add(instances_completed_, c.instances_completed);
  add(jobs_created_, c.jobs_created);
  add(jobs_activated_, c.jobs_activated);
  add(jobs_completed_, c.jobs_completed);
  add(incidents_created_, c.incidents_created);
}

void PartitionMetrics::OnBackpressureRejected() {
  backpressure_rejected_.Increment();
}

void PartitionMetrics::OnSnapshotTaken(int64_t duration_ms) {
  snapshots_.Increment();
  snapshot_duration_.Set(static_cast<double>(duration_ms) / 1000.0);
  last_snapshot_ns_.store(SteadyNanos(), std::memory_order_relaxed);
}

void PartitionMetrics::OnSnapshotInstalled() {
  snapshot_installs_.Increment();
}

void PartitionMetrics::OnJournalIo(const replication::JournalIo& io) {
  append_latency_.Observe(Seconds(io.append));
  fsync_latency_.Observe(Seconds(io.sync));
}

void PartitionMetrics::Sample(const PartitionSample& s) {
  role_.Set(RoleGaugeValue(s.raft.role));
  term_.Set(static_cast<double>(s.raft.term));
  commit_index_.Set(static_cast<double>(s.raft.commit));
  last_log_index_.Set(static_cast<double>(s.raft.last_index));
  segments_.Set(static_cast<double>(s.journal.segments));
  bytes_.Set(static_cast<double>(s.journal.segment_bytes));
  snapshot_age_.Set(Seconds(std::chrono::nanoseconds(SteadyNanos() - last_snapshot_ns_.load())));
  backlog_.Set(static_cast<double>(s.status.backlog));
  backpressure_limit_.Set(s.status.backpressure_limit);
  backpressure_inflight_.Set(s.status.backpressure_inflight);

  // Exporters run on the leader only: series of exporters no longer running
  // here go, rather than stay frozen at their last value.
  std::map<std::string, ExporterSeries> current;
  for (const ExporterProgress& e : s.exporters) {
    auto it = exporters_.find(e.id);
    ExporterSeries series;
    if (it != exporters_.end()) {
      series = it->second;
      exporters_.erase(it);
    } else {
      prometheus::Labels labels = labels_;
      labels["exporter"] = e.id;
      series = {&families_.exporter_position.Add(labels), &families_.exporter_lag.Add(labels)};
    }
    series.position->Set(static_cast<double>(e.position));
    series.lag->Set(static_cast<double>(e.lag));
    current[e.id] = series;
  }
  for (const auto& [id, series] : exporters_) {
    families_.exporter_position.Remove(series.position);
    families_.exporter_lag.Remove(series.lag);
  }
  exporters_ = std::move(current);
}

}  // namespace waggle::partitions
