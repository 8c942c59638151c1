// Deployments: validation, versions, duplicates, atomicity, distribution to
// every partition.
#include <filesystem>

#include <gtest/gtest.h>

#include "tests/engine/bpmn_builder.h"
#include "tests/engine/engine_harness.h"

namespace waggle::engine::testing {
namespace {

using record::RecordType;
using record::RejectionType;
using record::ValueType;

const record::fb::DeploymentRecordT& Deployment(const record::fb::RecordT& record) {
  return *record.typed_value.AsDeploymentRecord();
}

class DeploymentTest : public ::testing::Test {
 protected:
  void TearDown() override { EXPECT_EQ(harness_.ReplayDifference(), ""); }
  EngineHarness harness_;
};

TEST_F(DeploymentTest, NewProcessGetsVersionOneAndAKeyOfThePartition) {
  auto deployed = harness_.Deploy("one.bpmn", OneTaskProcess("p", "t"));
  ASSERT_EQ(deployed.record_type, static_cast<uint8_t>(RecordType::kEvent));
  ASSERT_EQ(Deployment(deployed).processes_metadata.size(), 1u);
  const auto& metadata = *Deployment(deployed).processes_metadata[0];
  EXPECT_EQ(metadata.bpmn_process_id, "p");
  EXPECT_EQ(metadata.version, 1);
  EXPECT_FALSE(metadata.duplicate);
  EXPECT_EQ(record::PartitionOf(metadata.process_definition_key), 1);
  EXPECT_EQ(harness_.Events(ValueType::kProcess, record::ProcessIntent::kCreated).size(), 1u);
}

TEST_F(DeploymentTest, SameResourceAgainIsADuplicateAndChangedOneANewVersion) {
  auto first = harness_.Deploy("one.bpmn", OneTaskProcess("p", "t"));
  auto again = harness_.Deploy("one.bpmn", OneTaskProcess("p", "t"));
  const auto& first_meta = *Deployment(first).processes_metadata[0];
  const auto& again_meta = *Deployment(again).processes_metadata[0];
  EXPECT_TRUE(again_meta.duplicate);
  EXPECT_EQ(again_meta.version, 1);
  EXPECT_EQ(again_meta.process_definition_key, first_meta.process_definition_key);
  EXPECT_NE(again.key, first.key);  // a new deployment all the same

  auto changed = harness_.Deploy("one.bpmn", OneTaskProcess("p", "other-type"));
  const auto& changed_meta = *Deployment(changed).processes_metadata[0];
  EXPECT_FALSE(changed_meta.duplicate);
  EXPECT_EQ(changed_meta.version, 2);
  // Instances start at the latest version.
  harness_.CreateInstance("p");
  EXPECT_EQ(harness_.ActivateJobs("other-type").typed_value.AsJobBatchRecord()->jobs.size(), 1u);
  EXPECT_EQ(harness_.Events(ValueType::kProcess, record::ProcessIntent::kCreated).size(), 2u);
}

TEST_F(DeploymentTest, InvalidModelIsRejectedWithEveryProblemAndNothingIsDeployed) {
  record::fb::DeploymentRecordT deployment;
  for (auto [name, xml] : {std::pair{"good.bpmn", OneTaskProcess("good", "t")},
                           std::pair{"bad.bpmn", BpmnProcess("bad",
                                                             "<bpmn:startEvent id=\"s\" />"
                                                             "<bpmn:serviceTask id=\"noType\" />" +
                                                                 Flow("f", "s", "noType"))}}) {
    auto resource = std::make_unique<record::fb::DeploymentResourceT>();
    resource->resource_name = name;
    resource->resource.assign(xml.begin(), xml.end());
    deployment.resources.push_back(std::move(resource));
  }
  auto rejected = harness_.Execute(Command(record::DeploymentIntent::kCreate, deployment));
  ASSERT_TRUE(rejected);
  EXPECT_EQ(rejected->record_type, static_cast<uint8_t>(RecordType::kCommandRejection));
  EXPECT_EQ(rejected->rejection_type, static_cast<uint8_t>(RejectionType::kInvalidArgument));
  EXPECT_NE(rejected->rejection_reason.find(
                "Expected to deploy new resources, but encountered the following errors:"),
            std::string::npos);
  EXPECT_NE(rejected->rejection_reason.find("noType"), std::string::npos);
  // Atomic: the valid resource of the same deployment was not deployed.
  EXPECT_TRUE(harness_.Events(ValueType::kProcess).empty());
  EXPECT_EQ(harness_.CreateInstance("good").rejection_type,
            static_cast<uint8_t>(RejectionType::kNotFound));
}

TEST_F(DeploymentTest, MalformedXmlEmptyDeploymentAndUnknownResourceTypeAreRejected) {
  auto broken = harness_.Deploy("broken.bpmn", "<bpmn:definitions><unclosed>");
  EXPECT_EQ(broken.rejection_type, static_cast<uint8_t>(RejectionType::kInvalidArgument));
  EXPECT_NE(broken.rejection_reason.find("broken.bpmn"), std::string::npos);

  auto empty =
      harness_.Execute(Command(record::DeploymentIntent::kCreate, record::fb::DeploymentRecordT()));
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->rejection_reason, "Expected to deploy at least one resource, but none given");

  auto form = harness_.Deploy("form.form", "{}");
  EXPECT_EQ(form.rejection_type, static_cast<uint8_t>(RejectionType::kInvalidArgument));
  EXPECT_NE(form.rejection_reason.find("form.form"), std::string::npos);
}

TEST_F(DeploymentTest, EveryModelerFixtureDeploys) {
  int deployed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(FixturePath(""))) {
    if (entry.path().extension() != ".bpmn") continue;
    auto result = harness_.DeployFile(entry.path().string());
    EXPECT_EQ(result.record_type, static_cast<uint8_t>(RecordType::kEvent))
        << entry.path() << ": " << result.rejection_reason;
    EXPECT_FALSE(Deployment(result).processes_metadata.empty()) << entry.path();
    ++deployed;
  }
  EXPECT_EQ(deployed, 14);
}

TEST(DeploymentDistributionTest, EveryPartitionGetsTheDeploymentAndAcknowledges) {
  EngineHarness harness(3);
  auto deployed = harness.Deploy("one.bpmn", OneTaskProcess("p", "work"));
  const int64_t definition_key = Deployment(deployed).processes_metadata[0]->process_definition_key;
  for (int32_t partition = 2; partition <= 3; ++partition) {
    auto processes =
        harness.Events(ValueType::kProcess, record::ProcessIntent::kCreated, partition);
    ASSERT_EQ(processes.size(), 1u) << "partition " << partition;
    EXPECT_EQ(processes[0].key, definition_key);  // same key and version everywhere
    // Instances can start on any partition.
    auto created = harness.CreateInstance("p", nlohmann::json::object(), partition);
    EXPECT_EQ(record::PartitionOf(created.key), partition);
    EXPECT_EQ(
        harness.ActivateJobs("work", 10, partition).typed_value.AsJobBatchRecord()->jobs.size(),
        1u);
  }
  using record::CommandDistributionIntent;
  EXPECT_EQ(
      harness.Events(ValueType::kCommandDistribution, CommandDistributionIntent::kAcknowledged)
          .size(),
      2u);
  EXPECT_EQ(
      harness.Events(ValueType::kCommandDistribution, CommandDistributionIntent::kFinished).size(),
      1u);
  EXPECT_TRUE(harness.engine(1).PendingOutgoing().empty());
  EXPECT_EQ(harness.ReplayDifference(), "");
}

TEST(DeploymentDistributionTest, LostDistributionsStayPendingUntilARetryIsAcknowledged) {
  EngineHarness harness(3);
  harness.set_deliver_outgoing(false);
  auto deployed = harness.Deploy("one.bpmn", OneTaskProcess("p", "work"));
  std::vector<PartitionCommand> pending = harness.engine(1).PendingOutgoing();
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_TRUE(harness.Events(ValueType::kProcess, 2).empty());

  harness.set_deliver_outgoing(true);
  // The retry reaches partition 2 twice (a duplicate), partition 3 once.
  harness.Execute(pending[0].command, pending[0].partition_id);
  harness.Execute(pending[0].command, pending[0].partition_id);
  EXPECT_EQ(harness.engine(1).PendingOutgoing().size(), 1u);
  harness.Execute(pending[1].command, pending[1].partition_id);
  EXPECT_TRUE(harness.engine(1).PendingOutgoing().empty());
  for (int32_t partition = 2; partition <= 3; ++partition) {
    auto processes =
        harness.Events(ValueType::kProcess, record::ProcessIntent::kCreated, partition);
    ASSERT_EQ(processes.size(), 1u) << "partition " << partition;
    EXPECT_EQ(processes[0].typed_value.AsProcessRecord()->deployment_key, deployed.key);
  }
  EXPECT_EQ(
      harness.Events(ValueType::kCommandDistribution, record::CommandDistributionIntent::kFinished)
          .size(),
      1u);
  EXPECT_EQ(harness.ReplayDifference(), "");
}

}  // namespace
}  // namespace waggle::engine::testing
