// The broker's metrics without a broker: workflow counts from engine output
// records, PartitionMetrics following events and samples (elections, leader
// changes, exporter series coming and going), readiness and the
// /partitions document.
#include <gtest/gtest.h>

#include "common/record/command.h"
#include "common/record/record_type.h"
#include "partitions/metrics/broker_health.h"
#include "partitions/metrics/broker_metrics.h"
#include "partitions/metrics/workflow_counts.h"
#include "partitions/placement.h"

namespace waggle::partitions {
namespace {

namespace fb = record::fb;

template <typename Intent, typename Value>
engine::OutputRecord Event(Intent intent, Value value) {
  fb::RecordT r = record::Command(intent, std::move(value));
  r.record_type = static_cast<uint8_t>(record::RecordType::kEvent);
  return {r, -1};
}

fb::ProcessInstanceRecordT Element(fb::BpmnElementType type) {
  fb::ProcessInstanceRecordT value;
  value.bpmn_element_type = type;
  return value;
}

TEST(WorkflowCountsTest, CountsEventsOfProcessesJobsAndIncidents) {
  using PI = record::ProcessInstanceIntent;
  fb::JobBatchRecordT batch;
  batch.job_keys = {1, 2, 3};
  std::vector<engine::OutputRecord> records = {
      Event(PI::kElementActivated, Element(fb::BpmnElementType::PROCESS)),
      Event(PI::kElementActivated, Element(fb::BpmnElementType::SERVICE_TASK)),
      Event(PI::kElementActivating, Element(fb::BpmnElementType::PROCESS)),
      Event(PI::kElementCompleted, Element(fb::BpmnElementType::PROCESS)),
      Event(PI::kElementCompleted, Element(fb::BpmnElementType::END_EVENT)),
      Event(record::JobIntent::kCreated, fb::JobRecordT()),
      Event(record::JobIntent::kCompleted, fb::JobRecordT()),
      Event(record::JobIntent::kFailed, fb::JobRecordT()),
      Event(record::JobBatchIntent::kActivated, batch),
      Event(record::IncidentIntent::kCreated, fb::IncidentRecordT()),
      Event(record::IncidentIntent::kResolved, fb::IncidentRecordT()),
  };
  // Commands and rejections count for nothing.
  records.push_back({record::Command(record::JobIntent::kComplete, fb::JobRecordT()), -1});
  engine::OutputRecord rejected = Event(record::JobIntent::kCreated, fb::JobRecordT());
  rejected.record.record_type = static_cast<uint8_t>(record::RecordType::kCommandRejection);
  records.push_back(rejected);

  WorkflowCounts expected;
  expected.instances_created = 1;
  expected.instances_completed = 1;
  expected.jobs_created = 1;
  expected.jobs_activated = 3;
  expected.jobs_completed = 1;
  expected.incidents_created = 1;
  EXPECT_EQ(CountWorkflowRecords(records), expected);
  EXPECT_EQ(CountWorkflowRecords({}), WorkflowCounts());
}

TEST(RoleGaugeTest, FollowerCandidateLeader) {
  EXPECT_EQ(RoleGaugeValue(raft::Role::kFollower), 0);
  EXPECT_EQ(RoleGaugeValue(raft::Role::kPreCandidate), 1);
  EXPECT_EQ(RoleGaugeValue(raft::Role::kCandidate), 1);
  EXPECT_EQ(RoleGaugeValue(raft::Role::kLeader), 2);
}

// The value of one series in a collection, or -1 when absent.
double Value(const std::vector<prometheus::MetricFamily>& families, const std::string& name,
             const prometheus::Labels& labels) {
  for (const auto& f : families) {
    if (f.name != name) continue;
    for (const auto& m : f.metric) {
      prometheus::Labels have;
      for (const auto& l : m.label) have[l.name] = l.value;
      if (have != labels) continue;
      switch (f.type) {
        case prometheus::MetricType::Counter: return m.counter.value;
        case prometheus::MetricType::Gauge: return m.gauge.value;
        case prometheus::MetricType::Histogram:
          return static_cast<double>(m.histogram.sample_count);
        default: return -1;
      }
    }
  }
  return -1;
}

class BrokerMetricsTest : public ::testing::Test {
 protected:
  double Get(const std::string& name, prometheus::Labels labels = {{"partition", "2"}}) {
    return Value(metrics_.Collect(), name, labels);
  }

  BrokerMetrics metrics_;
  std::shared_ptr<PartitionMetrics> partition_ = metrics_.AddPartition(2);
};

TEST_F(BrokerMetricsTest, CountsElectionsAndLeaderChangesAsThisMemberSawThem) {
  const auto change = [this](raft::Role role, raft::NodeId leader) {
    partition_->OnRoleChanged({leader, role}, 1);
  };
  change(raft::Role::kPreCandidate, raft::kNoNode);
  change(raft::Role::kCandidate, raft::kNoNode);  // the same election
  change(raft::Role::kLeader, 1);
  change(raft::Role::kFollower, 2);
  change(raft::Role::kFollower, raft::kNoNode);
  change(raft::Role::kFollower, 2);  // the same leader again: no change
  change(raft::Role::kPreCandidate, raft::kNoNode);
  EXPECT_EQ(Get("waggle_raft_elections_total"), 2);
  EXPECT_EQ(Get("waggle_raft_leader_changes_total"), 2);
}

TEST_F(BrokerMetricsTest, FollowsProcessingBackpressureSnapshotsAndJournal) {
  partition_->OnCommandProcessed(3);
  partition_->OnCommandProcessed(-1);  // clocks may step back: counted as 0
  partition_->OnBackpressureRejected();
  partition_->OnSnapshotTaken(1500);
  partition_->OnSnapshotInstalled();
  engine::ProcessingResult result;
  result.records.push_back(Event(record::JobIntent::kCreated, fb::JobRecordT()));
  partition_->OnOutputCommitted(result);
  replication::JournalIo io;
  io.group = 2;
  io.append = std::chrono::microseconds(300);
  io.sync = std::chrono::milliseconds(2);
  metrics_.OnJournalIo(io);
  io.group = 9;  // not hosted: ignored
  metrics_.OnJournalIo(io);

  EXPECT_EQ(Get("waggle_stream_processor_records_total"), 2);
  EXPECT_EQ(Get("waggle_stream_processor_latency_seconds"), 2);
  EXPECT_EQ(Get("waggle_backpressure_rejected_total"), 1);
  EXPECT_EQ(Get("waggle_snapshots_total"), 1);
  EXPECT_EQ(Get("waggle_snapshot_duration_seconds"), 1.5);
  EXPECT_EQ(Get("waggle_snapshot_installs_total"), 1);
  EXPECT_EQ(Get("waggle_jobs_created_total"), 1);
  EXPECT_EQ(Get("waggle_journal_append_latency_seconds"), 1);
  EXPECT_EQ(Get("waggle_journal_fsync_latency_seconds"), 1);
  EXPECT_EQ(Get("waggle_journal_fsync_latency_seconds", {{"partition", "9"}}), -1);
}

TEST_F(BrokerMetricsTest, GaugesComeFromTheSampleAtCollection) {
  PartitionSample sample;
  sample.raft.role = raft::Role::kLeader;
  sample.raft.term = 4;
  sample.raft.commit = 120;
  sample.raft.last_index = 125;
  sample.journal = {2, 4096};
  sample.status.backlog = 7;
  sample.status.backpressure_limit = 90;
  sample.status.backpressure_inflight = 5;
  sample.exporters = {{"file", 100, 20}, {"redis", 110, 10}};
  metrics_.SetSampler([&] { return std::map<int32_t, PartitionSample>{{2, sample}}; });

  EXPECT_EQ(Get("waggle_raft_role"), 2);
  EXPECT_EQ(Get("waggle_raft_term"), 4);
  EXPECT_EQ(Get("waggle_raft_commit_index"), 120);
  EXPECT_EQ(Get("waggle_raft_last_log_index"), 125);
  EXPECT_EQ(Get("waggle_journal_segments"), 2);
  EXPECT_EQ(Get("waggle_journal_bytes"), 4096);
  EXPECT_EQ(Get("waggle_stream_processor_backlog"), 7);
  EXPECT_EQ(Get("waggle_backpressure_limit"), 90);
  EXPECT_EQ(Get("waggle_backpressure_inflight"), 5);
  EXPECT_GE(Get("waggle_snapshot_age_seconds"), 0);
  EXPECT_EQ(Get("waggle_exporter_position", {{"partition", "2"}, {"exporter", "file"}}), 100);
  EXPECT_EQ(Get("waggle_exporter_lag", {{"partition", "2"}, {"exporter", "redis"}}), 10);

  // Exporters stop running here (leadership lost): their series go.
  sample.exporters = {{"redis", 120, 0}};
  EXPECT_EQ(Get("waggle_exporter_position", {{"partition", "2"}, {"exporter", "file"}}), -1);
  EXPECT_EQ(Get("waggle_exporter_position", {{"partition", "2"}, {"exporter", "redis"}}), 120);
}

PartitionSample Settled(raft::Role role, raft::NodeId leader) {
  PartitionSample s;
  s.status.role = role;
  s.status.leader = leader;
  s.status.processing = role == raft::Role::kLeader;
  return s;
}

TEST(BrokerReadinessTest, EveryPartitionHealthyAndSettledInItsRole) {
  std::map<int32_t, PartitionSample> partitions = {
      {1, Settled(raft::Role::kLeader, RaftIdOf(0))},
      {2, Settled(raft::Role::kFollower, RaftIdOf(1))},
  };
  EXPECT_TRUE(BrokerReadiness(partitions).ready);
  EXPECT_TRUE(BrokerReadiness({}).ready);

  auto not_ready = [&](int32_t id, PartitionSample s, const std::string& reason) {
    auto copy = partitions;
    copy[id] = s;
    const Readiness r = BrokerReadiness(copy);
    EXPECT_FALSE(r.ready);
    EXPECT_EQ(r.reason, reason);
  };
  PartitionSample unhealthy = Settled(raft::Role::kFollower, RaftIdOf(1));
  unhealthy.status.healthy = false;
  not_ready(2, unhealthy, "partition 2 is unhealthy");
  PartitionSample leader_not_processing = Settled(raft::Role::kLeader, RaftIdOf(0));
  leader_not_processing.status.processing = false;
  not_ready(1, leader_not_processing, "partition 1: leader, not processing yet");
  not_ready(2, Settled(raft::Role::kCandidate, raft::kNoNode),
            "partition 2: candidate without a known leader");
  not_ready(2, Settled(raft::Role::kFollower, raft::kNoNode),
            "partition 2: follower without a known leader");
}

TEST(PartitionsDocumentTest, OneObjectPerPartition) {
  PartitionSample s = Settled(raft::Role::kFollower, RaftIdOf(2));
  s.status.term = 3;
  s.status.last_position = 40;
  s.status.last_processed_position = 38;
  s.status.snapshot_index = 10;
  s.raft.commit = 21;
  s.exporters = {{"file", 35, 5}};
  const nlohmann::json doc = PartitionsDocument({{1, s}});
  ASSERT_EQ(doc.size(), 1u);
  EXPECT_EQ(doc[0]["partition"], 1);
  EXPECT_EQ(doc[0]["role"], "follower");
  EXPECT_EQ(doc[0]["leader"], 2);
  EXPECT_EQ(doc[0]["term"], 3);
  EXPECT_EQ(doc[0]["commitIndex"], 21);
  EXPECT_EQ(doc[0]["commitPosition"], 40);
  EXPECT_EQ(doc[0]["processedPosition"], 38);
  EXPECT_EQ(doc[0]["snapshotIndex"], 10);
  EXPECT_EQ(doc[0]["exporters"][0]["position"], 35);
  EXPECT_TRUE(PartitionsDocument({{1, Settled(raft::Role::kFollower, raft::kNoNode)}})[0]["leader"]
                  .is_null());
}

}  // namespace
}  // namespace waggle::partitions
