// Inclusive gateways (fork), and the elements that pass straight through:
// undefined and manual tasks.
#include <algorithm>

#include <gtest/gtest.h>

#include "tests/engine/bpmn_builder.h"
#include "tests/engine/engine_harness.h"

namespace waggle::engine::testing {
namespace {

using nlohmann::json;
using record::ValueType;

class GatewayTest : public ::testing::Test {
 protected:
  void TearDown() override { EXPECT_EQ(harness_.ReplayDifference(), ""); }

  size_t JobCount(const std::string& type) {
    return harness_.ActivateJobs(type).typed_value.AsJobBatchRecord()->jobs.size();
  }

  // s -> inclusive g -> {a if =a, b if =b, c by default}
  void DeployInclusive(bool with_default) {
    harness_.Deploy(
        "or.bpmn", BpmnProcess("or", "<bpmn:startEvent id=\"s\" /><bpmn:inclusiveGateway id=\"g\"" +
                                         std::string(with_default ? " default=\"toC\"" : "") +
                                         " />" + ServiceTask("a", "a") + ServiceTask("b", "b") +
                                         ServiceTask("c", "c") + Flow("f0", "s", "g") +
                                         Flow("toA", "g", "a", "=a") + Flow("toB", "g", "b", "=b") +
                                         (with_default ? Flow("toC", "g", "c") : "")));
  }

  EngineHarness harness_;
};

TEST_F(GatewayTest, InclusiveGatewayTakesEveryFlowWhoseConditionHolds) {
  DeployInclusive(true);
  harness_.CreateInstance("or", {{"a", true}, {"b", true}});
  EXPECT_EQ(JobCount("a"), 1u);
  EXPECT_EQ(JobCount("b"), 1u);
  EXPECT_EQ(JobCount("c"), 0u);

  harness_.CreateInstance("or", {{"a", false}, {"b", true}});
  EXPECT_EQ(JobCount("a"), 0u);
  EXPECT_EQ(JobCount("b"), 1u);
  EXPECT_EQ(JobCount("c"), 0u);
}

TEST_F(GatewayTest, InclusiveGatewayTakesTheDefaultWhenNoConditionHolds) {
  DeployInclusive(true);
  harness_.CreateInstance("or", {{"a", false}, {"b", false}});
  EXPECT_EQ(JobCount("a"), 0u);
  EXPECT_EQ(JobCount("b"), 0u);
  EXPECT_EQ(JobCount("c"), 1u);
}

TEST_F(GatewayTest, InclusiveGatewayWithoutMatchOrDefaultRaisesAnIncident) {
  DeployInclusive(false);
  const int64_t instance = harness_.CreateInstance("or", {{"a", false}, {"b", false}}).key;
  auto incidents = harness_.Events(ValueType::kIncident, record::IncidentIntent::kCreated);
  ASSERT_EQ(incidents.size(), 1u);
  const auto* incident = incidents[0].typed_value.AsIncidentRecord();
  EXPECT_EQ(incident->error_type, record::fb::ErrorType::CONDITION_ERROR);
  EXPECT_EQ(incident->element_id, "g");
  EXPECT_EQ(incident->error_message,
            "Expected at least one condition to evaluate to true, or to have a default flow");

  harness_.SetVariables(instance, {{"a", true}});
  harness_.ResolveIncident(incidents[0].key);
  EXPECT_EQ(JobCount("a"), 1u);
}

TEST_F(GatewayTest, InclusiveGatewayConditionThatIsNotBooleanRaisesAnIncident) {
  DeployInclusive(true);
  harness_.CreateInstance("or", {{"a", "yes"}});
  auto incidents = harness_.Events(ValueType::kIncident, record::IncidentIntent::kCreated);
  ASSERT_EQ(incidents.size(), 1u);
  EXPECT_EQ(incidents[0].typed_value.AsIncidentRecord()->error_message,
            "Expected result of the expression 'a' to be 'BOOLEAN', but was 'STRING'.");
}

TEST_F(GatewayTest, InclusiveForkIntoParallelBranchesCompletesTheInstance) {
  harness_.Deploy(
      "or.bpmn",
      BpmnProcess("or", "<bpmn:startEvent id=\"s\" /><bpmn:inclusiveGateway id=\"g\" />" +
                            ServiceTask("a", "a") + ServiceTask("b", "b") +
                            "<bpmn:endEvent id=\"ea\" /><bpmn:endEvent id=\"eb\" />" +
                            Flow("f0", "s", "g") + Flow("toA", "g", "a", "=true") +
                            Flow("toB", "g", "b", "=true") + Flow("fa", "a", "ea") +
                            Flow("fb", "b", "eb")));
  const int64_t instance = harness_.CreateInstance("or").key;
  auto a = harness_.ActivateJobs("a");
  auto b = harness_.ActivateJobs("b");
  harness_.CompleteJob(a.typed_value.AsJobBatchRecord()->job_keys.at(0));
  EXPECT_FALSE(harness_.IsCompleted(instance));
  harness_.CompleteJob(b.typed_value.AsJobBatchRecord()->job_keys.at(0));
  EXPECT_TRUE(harness_.IsCompleted(instance));
}

TEST_F(GatewayTest, UndefinedAndManualTasksPassThroughWithTheirMappings) {
  harness_.Deploy(
      "tasks.bpmn",
      BpmnProcess("tasks",
                  "<bpmn:startEvent id=\"s\" /><bpmn:task id=\"t\"><bpmn:extensionElements>"
                  "<zeebe:ioMapping><zeebe:input source=\"=x + 1\" target=\"y\" />"
                  "<zeebe:output source=\"=y * 2\" target=\"z\" /></zeebe:ioMapping>"
                  "</bpmn:extensionElements></bpmn:task><bpmn:manualTask id=\"m\" />"
                  "<bpmn:endEvent id=\"e\" />" +
                      Flow("f1", "s", "t") + Flow("f2", "t", "m") + Flow("f3", "m", "e")));
  auto result = harness_.CreateInstanceWithResult("tasks", {{"x", 1}});
  ASSERT_TRUE(result);
  EXPECT_EQ(json::parse(result->typed_value.AsProcessInstanceResultRecord()->variables),
            json({{"x", 1}, {"z", 4}}));
  const int64_t instance =
      result->typed_value.AsProcessInstanceResultRecord()->process_instance_key;
  auto trace = harness_.InstanceTrace(instance);
  for (const char* element : {"t", "m"}) {
    for (const char* state :
         {"ELEMENT_ACTIVATING", "ELEMENT_ACTIVATED", "ELEMENT_COMPLETING", "ELEMENT_COMPLETED"}) {
      EXPECT_EQ(std::count(trace.begin(), trace.end(), std::string(element) + ":" + state), 1)
          << element << " " << state;
    }
  }
  auto activated = harness_.Events(ValueType::kProcessInstance,
                                   record::ProcessInstanceIntent::kElementActivated);
  bool saw_task = false, saw_manual = false;
  for (const auto& event : activated) {
    const auto* value = event.typed_value.AsProcessInstanceRecord();
    saw_task |=
        value->element_id == "t" && value->bpmn_element_type == record::fb::BpmnElementType::TASK;
    saw_manual |= value->element_id == "m" &&
                  value->bpmn_element_type == record::fb::BpmnElementType::MANUAL_TASK;
  }
  EXPECT_TRUE(saw_task);
  EXPECT_TRUE(saw_manual);
  EXPECT_TRUE(harness_.Events(ValueType::kJob).empty());
}

}  // namespace
}  // namespace waggle::engine::testing
