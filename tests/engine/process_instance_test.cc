// Process instances: creation, the element lifecycle, completion,
// cancellation, results, gateways and sub-processes.
#include <gtest/gtest.h>

#include "tests/engine/bpmn_builder.h"
#include "tests/engine/engine_harness.h"

namespace waggle::engine::testing {
namespace {

using nlohmann::json;
using record::ProcessInstanceIntent;
using record::RecordType;
using record::ValueType;

class ProcessInstanceTest : public ::testing::Test {
 protected:
  void TearDown() override { EXPECT_EQ(harness_.ReplayDifference(), ""); }

  int64_t JobKeyOf(const record::fb::RecordT& batch, size_t i = 0) {
    return batch.typed_value.AsJobBatchRecord()->job_keys.at(i);
  }

  EngineHarness harness_;
};

TEST_F(ProcessInstanceTest, OneServiceTaskRunsToCompletion) {
  harness_.Deploy("one-task.bpmn", OneTaskProcess("one-task", "work"));
  auto created = harness_.CreateInstance("one-task", {{"x", 1}});
  ASSERT_EQ(created.record_type, static_cast<uint8_t>(RecordType::kEvent));
  const int64_t instance =
      created.typed_value.AsProcessInstanceCreationRecord()->process_instance_key;
  EXPECT_EQ(created.key, instance);
  EXPECT_FALSE(harness_.IsCompleted(instance));

  auto batch = harness_.ActivateJobs("work");
  const auto* jobs = batch.typed_value.AsJobBatchRecord();
  ASSERT_EQ(jobs->job_keys.size(), 1u);
  EXPECT_EQ(json::parse(jobs->jobs[0]->variables), json({{"x", 1}}));
  EXPECT_EQ(jobs->jobs[0]->element_id, "task");
  EXPECT_EQ(jobs->jobs[0]->deadline, harness_.now() + 300000);

  auto completed = harness_.CompleteJob(JobKeyOf(batch), {{"y", 2}});
  EXPECT_EQ(completed.intent, record::IntentCode(record::JobIntent::kCompleted));
  EXPECT_TRUE(harness_.IsCompleted(instance));

  EXPECT_EQ(
      harness_.InstanceTrace(instance),
      (std::vector<std::string>{
          "one-task:ELEMENT_ACTIVATING", "one-task:ELEMENT_ACTIVATED", "start:ELEMENT_ACTIVATING",
          "start:ELEMENT_ACTIVATED", "start:ELEMENT_COMPLETING", "start:ELEMENT_COMPLETED",
          "f1:SEQUENCE_FLOW_TAKEN", "task:ELEMENT_ACTIVATING", "task:ELEMENT_ACTIVATED",
          "task:ELEMENT_COMPLETING", "task:ELEMENT_COMPLETED", "f2:SEQUENCE_FLOW_TAKEN",
          "end:ELEMENT_ACTIVATING", "end:ELEMENT_ACTIVATED", "end:ELEMENT_COMPLETING",
          "end:ELEMENT_COMPLETED", "one-task:ELEMENT_COMPLETING", "one-task:ELEMENT_COMPLETED"}));
  // The job's variable was propagated to the process instance.
  auto variables = harness_.Events(ValueType::kVariable, record::VariableIntent::kCreated);
  ASSERT_EQ(variables.size(), 2u);
  EXPECT_EQ(variables[1].typed_value.AsVariableRecord()->name, "y");
  EXPECT_EQ(variables[1].typed_value.AsVariableRecord()->scope_key, instance);
}

TEST_F(ProcessInstanceTest, CreateRejectsUnknownProcessAndBadVariables) {
  auto unknown = harness_.CreateInstance("nope");
  EXPECT_EQ(unknown.record_type, static_cast<uint8_t>(RecordType::kCommandRejection));
  EXPECT_EQ(unknown.rejection_type, static_cast<uint8_t>(record::RejectionType::kNotFound));
  EXPECT_EQ(unknown.rejection_reason,
            "Expected to find process definition with process ID 'nope', but none found");

  harness_.Deploy("one-task.bpmn", OneTaskProcess("one-task", "work"));
  record::fb::ProcessInstanceCreationRecordT creation;
  creation.bpmn_process_id = "one-task";
  creation.variables = "[1,2]";
  auto rejected =
      harness_.Execute(Command(record::ProcessInstanceCreationIntent::kCreate, creation));
  ASSERT_TRUE(rejected);
  EXPECT_EQ(rejected->rejection_type,
            static_cast<uint8_t>(record::RejectionType::kInvalidArgument));
  EXPECT_NE(rejected->rejection_reason.find("'variables' to be a JSON object"), std::string::npos);
}

TEST_F(ProcessInstanceTest, CancelTerminatesTheInstanceAndCancelsItsJob) {
  harness_.Deploy("one-task.bpmn", OneTaskProcess("one-task", "work"));
  const int64_t instance = harness_.CreateInstance("one-task").key;
  auto cancelled = harness_.CancelInstance(instance);
  EXPECT_EQ(cancelled.intent, record::IntentCode(ProcessInstanceIntent::kElementTerminating));
  EXPECT_TRUE(harness_.IsTerminated(instance));
  EXPECT_EQ(harness_.Events(ValueType::kJob, record::JobIntent::kCanceled).size(), 1u);
  EXPECT_TRUE(harness_.ActivateJobs("work").typed_value.AsJobBatchRecord()->jobs.empty());

  auto again = harness_.CancelInstance(instance);
  EXPECT_EQ(again.rejection_type, static_cast<uint8_t>(record::RejectionType::kNotFound));
}

TEST_F(ProcessInstanceTest, WithResultAnswersWhenTheInstanceCompletes) {
  harness_.Deploy("pass.bpmn",
                  BpmnProcess("pass", "<bpmn:startEvent id=\"s\" /><bpmn:endEvent id=\"e\" />" +
                                          Flow("f", "s", "e")));
  auto result = harness_.CreateInstanceWithResult("pass", {{"a", 1}, {"b", "x"}}, {"a"});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->value_type, static_cast<uint8_t>(ValueType::kProcessInstanceResult));
  EXPECT_EQ(json::parse(result->typed_value.AsProcessInstanceResultRecord()->variables),
            json({{"a", 1}}));
}

TEST_F(ProcessInstanceTest, ExclusiveGatewayTakesTheFirstTrueConditionOrTheDefault) {
  const std::string xml = BpmnProcess(
      "xor",
      "<bpmn:startEvent id=\"s\" />"
      "<bpmn:exclusiveGateway id=\"g\" default=\"toLow\" />" +
          ServiceTask("high", "high") + ServiceTask("low", "low") + Flow("f0", "s", "g") +
          Flow("toHigh", "g", "high", "=amount &gt; 100") + Flow("toLow", "g", "low"));
  harness_.Deploy("xor.bpmn", xml);
  harness_.CreateInstance("xor", {{"amount", 500}});
  harness_.CreateInstance("xor", {{"amount", 5}});
  EXPECT_EQ(harness_.ActivateJobs("high").typed_value.AsJobBatchRecord()->jobs.size(), 1u);
  EXPECT_EQ(harness_.ActivateJobs("low").typed_value.AsJobBatchRecord()->jobs.size(), 1u);
}

TEST_F(ProcessInstanceTest, ExclusiveGatewayWithoutMatchRaisesAnIncidentThatResolves) {
  const std::string xml =
      BpmnProcess("xor", "<bpmn:startEvent id=\"s\" /><bpmn:exclusiveGateway id=\"g\" />" +
                             ServiceTask("high", "high") + Flow("f0", "s", "g") +
                             Flow("toHigh", "g", "high", "=amount &gt; 100"));
  harness_.Deploy("xor.bpmn", xml);
  const int64_t instance = harness_.CreateInstance("xor", {{"amount", 5}}).key;
  auto incidents = harness_.Events(ValueType::kIncident, record::IncidentIntent::kCreated);
  ASSERT_EQ(incidents.size(), 1u);
  const auto* incident = incidents[0].typed_value.AsIncidentRecord();
  EXPECT_EQ(incident->error_type, record::fb::ErrorType::CONDITION_ERROR);
  EXPECT_EQ(incident->element_id, "g");

  harness_.SetVariables(instance, {{"amount", 200}});
  auto resolved = harness_.ResolveIncident(incidents[0].key);
  EXPECT_EQ(resolved.intent, record::IntentCode(record::IncidentIntent::kResolved));
  EXPECT_EQ(harness_.ActivateJobs("high").typed_value.AsJobBatchRecord()->jobs.size(), 1u);
}

TEST_F(ProcessInstanceTest, ParallelGatewayForksAndJoins) {
  const std::string xml = BpmnProcess(
      "par", "<bpmn:startEvent id=\"s\" /><bpmn:parallelGateway id=\"fork\" />" +
                 ServiceTask("a", "a") + ServiceTask("b", "b") +
                 "<bpmn:parallelGateway id=\"join\" /><bpmn:endEvent id=\"e\" />" +
                 Flow("f0", "s", "fork") + Flow("f1", "fork", "a") + Flow("f2", "fork", "b") +
                 Flow("f3", "a", "join") + Flow("f4", "b", "join") + Flow("f5", "join", "e"));
  harness_.Deploy("par.bpmn", xml);
  const int64_t instance = harness_.CreateInstance("par").key;
  auto a = harness_.ActivateJobs("a");
  auto b = harness_.ActivateJobs("b");
  harness_.CompleteJob(JobKeyOf(a));
  EXPECT_FALSE(harness_.IsCompleted(instance));
  EXPECT_TRUE(harness_.Events(ValueType::kProcessInstance, ProcessInstanceIntent::kElementActivated)
                  .back()
                  .typed_value.AsProcessInstanceRecord()
                  ->element_id != "join");
  harness_.CompleteJob(JobKeyOf(b));
  EXPECT_TRUE(harness_.IsCompleted(instance));
  int join_activations = 0;
  for (const auto& line : harness_.InstanceTrace(instance)) {
    join_activations += line == "join:ELEMENT_ACTIVATED";
  }
  EXPECT_EQ(join_activations, 1);
}

TEST_F(ProcessInstanceTest, EmbeddedSubProcessRunsAndMapsVariables) {
  const std::string xml =
      BpmnProcess("sub",
                  "<bpmn:startEvent id=\"s\" />"
                  "<bpmn:subProcess id=\"sp\"><bpmn:extensionElements><zeebe:ioMapping>"
                  "<zeebe:input source=\"=x * 2\" target=\"doubled\" />"
                  "<zeebe:output source=\"=doubled + 1\" target=\"result\" />"
                  "</zeebe:ioMapping></bpmn:extensionElements>"
                  "<bpmn:startEvent id=\"ss\" />" +
                      ServiceTask("inner", "inner") + "<bpmn:endEvent id=\"se\" />" +
                      Flow("g1", "ss", "inner") + Flow("g2", "inner", "se") +
                      "</bpmn:subProcess><bpmn:endEvent id=\"e\" />" + Flow("f1", "s", "sp") +
                      Flow("f2", "sp", "e"));
  harness_.Deploy("sub.bpmn", xml);
  auto result = harness_.CreateInstanceWithResult("sub", {{"x", 20}});
  EXPECT_FALSE(result);
  auto batch = harness_.ActivateJobs("inner");
  ASSERT_EQ(batch.typed_value.AsJobBatchRecord()->jobs.size(), 1u);
  EXPECT_EQ(json::parse(batch.typed_value.AsJobBatchRecord()->jobs[0]->variables)["doubled"], 40);
  harness_.CompleteJob(JobKeyOf(batch));
  auto instances =
      harness_.Events(ValueType::kProcessInstance, ProcessInstanceIntent::kElementCompleted);
  ASSERT_FALSE(instances.empty());
  EXPECT_EQ(instances.back().typed_value.AsProcessInstanceRecord()->element_id, "sub");
  bool result_set = false;
  for (const auto& v : harness_.Events(ValueType::kVariable)) {
    const auto* variable = v.typed_value.AsVariableRecord();
    if (variable->name == "result") {
      result_set = variable->value == "41" && variable->scope_key == instances.back().key;
    }
  }
  EXPECT_TRUE(result_set);
}

}  // namespace
}  // namespace waggle::engine::testing

namespace waggle::engine::testing {
namespace {

// The replay check itself must be able to fail.
TEST(EngineHarnessTest, ReplayDifferenceSeesAStateChangeNoEventExplains) {
  EngineHarness harness;
  harness.Deploy("one-task.bpmn", OneTaskProcess("one-task", "work"));
  harness.CreateInstance("one-task");
  EXPECT_EQ(harness.ReplayDifference(), "");
  ASSERT_TRUE(harness.store().Put(state::ColumnFamily::kVariables, "stray", "1").ok());
  EXPECT_NE(harness.ReplayDifference(), "");
}

}  // namespace
}  // namespace waggle::engine::testing
