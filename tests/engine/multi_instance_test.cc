// Multi-instance activities: parallel and sequential bodies, loop variables,
// output collections, completion conditions, incidents, termination.
#include <algorithm>

#include <gtest/gtest.h>

#include "tests/engine/bpmn_builder.h"
#include "tests/engine/engine_harness.h"

namespace waggle::engine::testing {
namespace {

using nlohmann::json;
using record::ProcessInstanceIntent;
using record::ValueType;

// A service task `task` of job type "work" over `items`, with the given
// loop characteristics attributes and completion condition.
std::string MultiInstanceTask(bool sequential, const std::string& loop_attributes,
                              const std::string& completion_condition = "") {
  std::string loop = "<bpmn:multiInstanceLoopCharacteristics isSequential=\"" +
                     std::string(sequential ? "true" : "false") +
                     "\"><bpmn:extensionElements><zeebe:loopCharacteristics " + loop_attributes +
                     " /></bpmn:extensionElements>";
  if (!completion_condition.empty()) {
    loop += "<bpmn:completionCondition xsi:type=\"bpmn:tFormalExpression\">" +
            completion_condition + "</bpmn:completionCondition>";
  }
  loop += "</bpmn:multiInstanceLoopCharacteristics>";
  return BpmnProcess("mi",
                     "<bpmn:startEvent id=\"s\" />"
                     "<bpmn:serviceTask id=\"task\"><bpmn:extensionElements>"
                     "<zeebe:taskDefinition type=\"work\" /></bpmn:extensionElements>" +
                         loop + "</bpmn:serviceTask><bpmn:endEvent id=\"e\" />" +
                         Flow("f1", "s", "task") + Flow("f2", "task", "e"));
}

class MultiInstanceTest : public ::testing::Test {
 protected:
  void TearDown() override { EXPECT_EQ(harness_.ReplayDifference(), ""); }

  std::vector<const record::fb::JobRecordT*> Jobs(const record::fb::RecordT& batch) {
    std::vector<const record::fb::JobRecordT*> jobs;
    for (const auto& job : batch.typed_value.AsJobBatchRecord()->jobs) jobs.push_back(job.get());
    return jobs;
  }
  int64_t JobKey(const record::fb::RecordT& batch, size_t i) {
    return batch.typed_value.AsJobBatchRecord()->job_keys.at(i);
  }
  int Count(const std::vector<std::string>& trace, const std::string& line) {
    return static_cast<int>(std::count(trace.begin(), trace.end(), line));
  }
  // The value of the variable `name` last written in scope `scope_key`.
  std::optional<json> VariableIn(int64_t scope_key, const std::string& name) {
    std::optional<json> value;
    for (const auto& event : harness_.Events(ValueType::kVariable)) {
      const auto* variable = event.typed_value.AsVariableRecord();
      if (variable->scope_key == scope_key && variable->name == name) {
        value = json::parse(variable->value);
      }
    }
    return value;
  }

  EngineHarness harness_;
};

TEST_F(MultiInstanceTest, ParallelTaskRunsOneJobPerItemAndCollectsOutputs) {
  harness_.Deploy("mi.bpmn",
                  MultiInstanceTask(false,
                                    "inputCollection=\"=items\" inputElement=\"item\" "
                                    "outputCollection=\"results\" outputElement=\"=result\""));
  const int64_t instance = harness_.CreateInstance("mi", {{"items", {"a", "b", "c"}}}).key;
  auto batch = harness_.ActivateJobs("work");
  auto jobs = Jobs(batch);
  ASSERT_EQ(jobs.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    json variables = json::parse(jobs[i]->variables);
    EXPECT_EQ(variables["item"], json(std::string(1, static_cast<char>('a' + i))));
    EXPECT_EQ(variables["loopCounter"], i + 1);
  }
  // Completed out of order: the collection keeps the items' order.
  harness_.CompleteJob(JobKey(batch, 2), {{"result", "C"}});
  harness_.CompleteJob(JobKey(batch, 0), {{"result", "A"}});
  EXPECT_FALSE(harness_.IsCompleted(instance));
  harness_.CompleteJob(JobKey(batch, 1), {{"result", "B"}});
  EXPECT_TRUE(harness_.IsCompleted(instance));

  EXPECT_EQ(VariableIn(instance, "results"), json({"A", "B", "C"}));
  // `result` stayed local to each inner instance.
  EXPECT_FALSE(VariableIn(instance, "result"));

  auto trace = harness_.InstanceTrace(instance);
  EXPECT_EQ(Count(trace, "task:ELEMENT_ACTIVATED"), 4);  // the body and three inner instances
  EXPECT_EQ(Count(trace, "task:ELEMENT_COMPLETED"), 4);
  EXPECT_EQ(Count(trace, "f2:SEQUENCE_FLOW_TAKEN"), 1);
  auto activating =
      harness_.Events(ValueType::kProcessInstance, ProcessInstanceIntent::kElementActivating);
  int bodies = 0;
  for (const auto& event : activating) {
    const auto* value = event.typed_value.AsProcessInstanceRecord();
    if (value->element_id != "task") continue;
    if (value->bpmn_element_type == record::fb::BpmnElementType::MULTI_INSTANCE_BODY) {
      ++bodies;
    } else {
      EXPECT_EQ(value->bpmn_element_type, record::fb::BpmnElementType::SERVICE_TASK);
    }
  }
  EXPECT_EQ(bodies, 1);
}

TEST_F(MultiInstanceTest, SequentialTaskRunsOneItemAfterTheOther) {
  harness_.Deploy("mi.bpmn",
                  MultiInstanceTask(true,
                                    "inputCollection=\"=items\" inputElement=\"item\" "
                                    "outputCollection=\"results\" outputElement=\"=item * 2\""));
  const int64_t instance = harness_.CreateInstance("mi", {{"items", {1, 2, 3}}}).key;
  for (int i = 1; i <= 3; ++i) {
    auto batch = harness_.ActivateJobs("work");
    auto jobs = Jobs(batch);
    ASSERT_EQ(jobs.size(), 1u) << "iteration " << i;
    json variables = json::parse(jobs[0]->variables);
    EXPECT_EQ(variables["item"], i);
    EXPECT_EQ(variables["loopCounter"], i);
    EXPECT_FALSE(harness_.IsCompleted(instance));
    harness_.CompleteJob(JobKey(batch, 0));
  }
  EXPECT_TRUE(harness_.IsCompleted(instance));
  EXPECT_EQ(VariableIn(instance, "results"), json({2, 4, 6}));
}

TEST_F(MultiInstanceTest, EmptyCollectionCompletesAtOnce) {
  harness_.Deploy("mi.bpmn", MultiInstanceTask(false,
                                               "inputCollection=\"=items\" "
                                               "outputCollection=\"results\" "
                                               "outputElement=\"=result\""));
  const int64_t instance = harness_.CreateInstance("mi", {{"items", json::array()}}).key;
  EXPECT_TRUE(harness_.IsCompleted(instance));
  EXPECT_TRUE(harness_.Events(ValueType::kJob).empty());
  EXPECT_EQ(VariableIn(instance, "results"), json::array());
}

TEST_F(MultiInstanceTest, CollectionThatIsNotAListRaisesAnIncidentThatResolves) {
  harness_.Deploy("mi.bpmn", MultiInstanceTask(false, "inputCollection=\"=items\""));
  const int64_t instance = harness_.CreateInstance("mi").key;
  auto incidents = harness_.Events(ValueType::kIncident, record::IncidentIntent::kCreated);
  ASSERT_EQ(incidents.size(), 1u);
  const auto* incident = incidents[0].typed_value.AsIncidentRecord();
  EXPECT_EQ(incident->error_type, record::fb::ErrorType::EXTRACT_VALUE_ERROR);
  EXPECT_EQ(incident->error_message,
            "Expected result of the expression 'items' to be 'ARRAY', but was 'NULL'.");
  EXPECT_EQ(incident->element_id, "task");

  harness_.SetVariables(instance, {{"items", {1, 2}}});
  harness_.ResolveIncident(incidents[0].key);
  auto batch = harness_.ActivateJobs("work");
  ASSERT_EQ(Jobs(batch).size(), 2u);
  harness_.CompleteJob(JobKey(batch, 0));
  harness_.CompleteJob(JobKey(batch, 1));
  EXPECT_TRUE(harness_.IsCompleted(instance));
}

TEST_F(MultiInstanceTest, CompletionConditionTerminatesTheRemainingInstances) {
  harness_.Deploy("mi.bpmn", MultiInstanceTask(false, "inputCollection=\"=items\"",
                                               "=numberOfCompletedInstances &gt;= 2"));
  const int64_t instance = harness_.CreateInstance("mi", {{"items", {1, 2, 3}}}).key;
  auto batch = harness_.ActivateJobs("work");
  ASSERT_EQ(Jobs(batch).size(), 3u);
  harness_.CompleteJob(JobKey(batch, 0));
  EXPECT_FALSE(harness_.IsCompleted(instance));
  harness_.CompleteJob(JobKey(batch, 1));
  EXPECT_TRUE(harness_.IsCompleted(instance));
  EXPECT_EQ(harness_.Events(ValueType::kJob, record::JobIntent::kCanceled).size(), 1u);
  auto trace = harness_.InstanceTrace(instance);
  EXPECT_EQ(Count(trace, "task:ELEMENT_TERMINATED"), 1);
  EXPECT_EQ(Count(trace, "task:ELEMENT_COMPLETED"), 3);  // two inner instances and the body
}

TEST_F(MultiInstanceTest, CompletionConditionOnAnItemInASequentialLoop) {
  harness_.Deploy("mi.bpmn", MultiInstanceTask(true,
                                               "inputCollection=\"=items\" "
                                               "inputElement=\"item\"",
                                               "=item = \"stop\""));
  const int64_t instance = harness_.CreateInstance("mi", {{"items", {"go", "stop", "never"}}}).key;
  for (int i = 0; i < 2; ++i) {
    auto batch = harness_.ActivateJobs("work");
    ASSERT_EQ(Jobs(batch).size(), 1u);
    harness_.CompleteJob(JobKey(batch, 0));
  }
  EXPECT_TRUE(harness_.IsCompleted(instance));
  EXPECT_EQ(harness_.Events(ValueType::kJob, record::JobIntent::kCreated).size(), 2u);
}

TEST_F(MultiInstanceTest, CancelTerminatesBodyInnerInstancesAndJobs) {
  harness_.Deploy("mi.bpmn", MultiInstanceTask(false, "inputCollection=\"=items\""));
  const int64_t instance = harness_.CreateInstance("mi", {{"items", {1, 2}}}).key;
  harness_.CancelInstance(instance);
  EXPECT_TRUE(harness_.IsTerminated(instance));
  EXPECT_EQ(harness_.Events(ValueType::kJob, record::JobIntent::kCanceled).size(), 2u);
  EXPECT_EQ(Count(harness_.InstanceTrace(instance), "task:ELEMENT_TERMINATED"), 3);
}

TEST_F(MultiInstanceTest, ParallelInnerInstancesThatCompleteAtOnceWaitForTheirSiblings) {
  // A script task completes while its siblings' activations are still
  // queued: the body must not complete before all of them ran.
  harness_.Deploy(
      "mi.bpmn",
      BpmnProcess("mi",
                  "<bpmn:startEvent id=\"s\" /><bpmn:scriptTask id=\"double\">"
                  "<bpmn:extensionElements><zeebe:script expression=\"=x * 2\" "
                  "resultVariable=\"y\" /></bpmn:extensionElements>"
                  "<bpmn:multiInstanceLoopCharacteristics><bpmn:extensionElements>"
                  "<zeebe:loopCharacteristics inputCollection=\"=xs\" inputElement=\"x\" "
                  "outputCollection=\"ys\" outputElement=\"=y\" />"
                  "</bpmn:extensionElements></bpmn:multiInstanceLoopCharacteristics>"
                  "</bpmn:scriptTask><bpmn:endEvent id=\"e\" />" +
                      Flow("f1", "s", "double") + Flow("f2", "double", "e")));
  auto result = harness_.CreateInstanceWithResult("mi", {{"xs", {1, 2, 3, 4}}});
  ASSERT_TRUE(result);
  json variables = json::parse(result->typed_value.AsProcessInstanceResultRecord()->variables);
  EXPECT_EQ(variables["ys"], json({2, 4, 6, 8}));
  EXPECT_FALSE(variables.contains("y"));
}

TEST_F(MultiInstanceTest, FixtureRunsNestedParallelSubProcesses) {
  harness_.DeployFile(FixturePath("multi-instance-elements.bpmn"));
  const int64_t instance = harness_
                               .CreateInstance("multiInstanceElements",
                                               {{"outerItems", {1, 2}}, {"innerItems", {1, 2, 3}}})
                               .key;
  EXPECT_TRUE(harness_.IsCompleted(instance));
  EXPECT_TRUE(harness_.Events(ValueType::kJob).empty());
  auto trace = harness_.InstanceTrace(instance);
  // Bodies and inner instances share the element id: 1 body + 2 inner.
  EXPECT_EQ(Count(trace, "OuterSubprocess:ELEMENT_COMPLETED"), 3);
  // 2 bodies + 6 inner instances.
  EXPECT_EQ(Count(trace, "InnerSubprocess:ELEMENT_COMPLETED"), 8);
  int throws = 0;
  for (int i = 1; i <= 8; ++i) {
    throws += Count(trace, "ThrowEvent_" + std::to_string(i) + ":ELEMENT_COMPLETED");
  }
  EXPECT_EQ(throws, 48);
}

TEST_F(MultiInstanceTest, FixtureWithoutVariablesRaisesAnIncident) {
  harness_.DeployFile(FixturePath("multi-instance-elements.bpmn"));
  const int64_t instance = harness_.CreateInstance("multiInstanceElements").key;
  EXPECT_FALSE(harness_.IsCompleted(instance));
  auto incidents = harness_.Events(ValueType::kIncident, record::IncidentIntent::kCreated);
  ASSERT_EQ(incidents.size(), 1u);
  EXPECT_EQ(incidents[0].typed_value.AsIncidentRecord()->error_type,
            record::fb::ErrorType::EXTRACT_VALUE_ERROR);
  EXPECT_EQ(incidents[0].typed_value.AsIncidentRecord()->element_id, "OuterSubprocess");
}

}  // namespace
}  // namespace waggle::engine::testing
