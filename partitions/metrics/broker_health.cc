#include "partitions/metrics/broker_health.h"

#include "partitions/placement.h"

namespace waggle::partitions {

Readiness BrokerReadiness(const std::map<int32_t, PartitionSample>& partitions) {
  for (const auto& [id, sample] : partitions) {
    const PartitionStatus& s = sample.status;
    const std::string name = "partition " + std::to_string(id);
    if (!s.healthy) return {false, name + " is unhealthy"};
    if (s.role == raft::Role::kLeader && !s.processing) {
      return {false, name + ": leader, not processing yet"};
    }
    if (s.role != raft::Role::kLeader && s.leader == raft::kNoNode) {
      return {false, name + ": " + raft::to_string(s.role) + " without a known leader"};
    }
  }
  return {true, std::to_string(partitions.size()) + " partition(s) ready"};
}

nlohmann::json PartitionsDocument(const std::map<int32_t, PartitionSample>& partitions) {
  nlohmann::json doc = nlohmann::json::array();
  for (const auto& [id, sample] : partitions) {
    const PartitionStatus& s = sample.status;
    nlohmann::json exporters = nlohmann::json::array();
    for (const ExporterProgress& e : sample.exporters) {
      exporters.push_back({{"id", e.id}, {"position", e.position}, {"lag", e.lag}});
    }
    doc.push_back({
        {"partition", id},
        {"role", raft::to_string(s.role)},
        {"leader",
         s.leader == raft::kNoNode ? nlohmann::json() : nlohmann::json(NodeIdOf(s.leader))},
        {"term", s.term},
        {"healthy", s.healthy},
        {"processing", s.processing},
        {"commitIndex", sample.raft.commit},
        {"lastLogIndex", sample.raft.last_index},
        {"appliedIndex", s.applied_index},
        {"commitPosition", s.last_position},
        {"processedPosition", s.last_processed_position},
        {"snapshotIndex", s.snapshot_index},
        {"backlog", s.backlog},
        {"backpressure", {{"limit", s.backpressure_limit}, {"inflight", s.backpressure_inflight}}},
        {"journal",
         {{"segments", sample.journal.segments}, {"bytes", sample.journal.segment_bytes}}},
        {"exporters", exporters},
    });
  }
  return doc;
}

}  // namespace waggle::partitions
