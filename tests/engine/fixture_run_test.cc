// Every Modeler fixture of ../shared/fixtures/bpmn run through its simplest
// path as SOURCES.md describes, as far as this branch's engine runs the
// elements involved. (multi-instance-elements.bpmn: multi_instance_test.cc.)
#include <algorithm>

#include <gtest/gtest.h>

#include "tests/engine/engine_harness.h"

namespace waggle::engine::testing {
namespace {

using nlohmann::json;
using record::ValueType;

class FixtureRunTest : public ::testing::Test {
 protected:
  void TearDown() override { EXPECT_EQ(harness_.ReplayDifference(), ""); }

  record::fb::RecordT Activate(const std::string& type) { return harness_.ActivateJobs(type); }
  size_t Size(const record::fb::RecordT& batch) {
    return batch.typed_value.AsJobBatchRecord()->jobs.size();
  }
  int64_t Key(const record::fb::RecordT& batch, size_t i = 0) {
    return batch.typed_value.AsJobBatchRecord()->job_keys.at(i);
  }
  int Count(int64_t instance, const std::string& line) {
    auto trace = harness_.InstanceTrace(instance);
    return static_cast<int>(std::count(trace.begin(), trace.end(), line));
  }

  EngineHarness harness_;
};

TEST_F(FixtureRunTest, NoopCompletesAtOnce) {
  harness_.DeployFile(FixturePath("noop.bpmn"));
  const int64_t instance = harness_.CreateInstance("noop").key;
  EXPECT_TRUE(harness_.IsCompleted(instance));
  EXPECT_TRUE(harness_.Events(ValueType::kJob).empty());
}

TEST_F(FixtureRunTest, LoopingServiceTaskLoopsTotalLoopsTimes) {
  harness_.DeployFile(FixturePath("zpt-looping-servicetask.bpmn"));
  const int64_t instance = harness_.CreateInstance("looping-servicetask", {{"totalLoops", 3}}).key;
  for (int i = 0; i < 3; ++i) {
    auto batch = Activate("test");
    ASSERT_EQ(Size(batch), 1u) << "pass " << i;
    EXPECT_EQ(batch.typed_value.AsJobBatchRecord()->jobs[0]->retries, 1);
    EXPECT_EQ(json::parse(batch.typed_value.AsJobBatchRecord()->jobs[0]->variables)["loopAmount"],
              i);
    harness_.CompleteJob(Key(batch));
  }
  EXPECT_TRUE(harness_.IsCompleted(instance));
  EXPECT_EQ(Size(Activate("test")), 0u);
}

TEST_F(FixtureRunTest, ChaosExperimentWithEmptyListsSucceedsWithoutJobs) {
  harness_.DeployFile(FixturePath("chaos-action-runner.bpmn"));
  harness_.DeployFile(FixturePath("chaos-experiment.bpmn"));
  const int64_t instance =
      harness_
          .CreateInstance("chaosExperiment",
                          {{"steadyState", {{"probes", json::array()}}}, {"method", json::array()}})
          .key;
  EXPECT_TRUE(harness_.IsCompleted(instance));
  EXPECT_EQ(Count(instance, "Event_0cqap4f:ELEMENT_COMPLETED"), 1);
  EXPECT_TRUE(harness_.Events(ValueType::kJob).empty());
}

TEST_F(FixtureRunTest, ChaosExperimentRunsEachActionThroughTheActionRunner) {
  harness_.DeployFile(FixturePath("chaos-action-runner.bpmn"));
  harness_.DeployFile(FixturePath("chaos-experiment.bpmn"));
  const json action = {{"name", "a"}, {"provider", {{"path", "my-job"}, {"timeout", 10}}}};
  const int64_t instance =
      harness_
          .CreateInstance("chaosExperiment", {{"steadyState", {{"probes", json::array()}}},
                                              {"method", {action}},
                                              {"testReport", {{"failureMessages", json::array()}}}})
          .key;
  auto batch = Activate("my-job");
  ASSERT_EQ(Size(batch), 1u);
  const auto& job = *batch.typed_value.AsJobBatchRecord()->jobs[0];
  EXPECT_EQ(job.bpmn_process_id, "actionRunner");
  EXPECT_NE(job.process_instance_key, instance);
  harness_.CompleteJob(Key(batch));
  EXPECT_TRUE(harness_.IsCompleted(job.process_instance_key));
  EXPECT_TRUE(harness_.IsCompleted(instance));
  EXPECT_EQ(Count(instance, "Event_0cqap4f:ELEMENT_COMPLETED"), 1);
}

TEST_F(FixtureRunTest, ChaosExperimentWithoutVariablesRaisesAnIncident) {
  harness_.DeployFile(FixturePath("chaos-experiment.bpmn"));
  harness_.CreateInstance("chaosExperiment");
  auto incidents = harness_.Events(ValueType::kIncident, record::IncidentIntent::kCreated);
  ASSERT_EQ(incidents.size(), 1u);
  EXPECT_EQ(incidents[0].typed_value.AsIncidentRecord()->error_type,
            record::fb::ErrorType::EXTRACT_VALUE_ERROR);
}

TEST_F(FixtureRunTest, CherryLoadTestForksIntoFiveSequentialMultiInstanceSubProcesses) {
  harness_.DeployFile(FixturePath("cherry-load-test.bpmn"));
  const int64_t instance = harness_.CreateInstance("LoadTest").key;
  auto batch = Activate("c-set-variables");
  ASSERT_EQ(Size(batch), 1u);
  harness_.CompleteJob(Key(batch), {{"listOfColors", {"red", "blue"}}});
  int bodies = 0;
  for (const auto& event : harness_.Events(ValueType::kProcessInstance,
                                           record::ProcessInstanceIntent::kElementActivated)) {
    const auto* value = event.typed_value.AsProcessInstanceRecord();
    bodies += value->process_instance_key == instance && value->flow_scope_key == instance &&
              value->bpmn_element_type == record::fb::BpmnElementType::MULTI_INSTANCE_BODY;
  }
  EXPECT_EQ(bodies, 5);
}

}  // namespace
}  // namespace waggle::engine::testing
