// Call activities: child process instances, variable propagation both
// ways, input/output mappings, incidents, termination.
#include <gtest/gtest.h>

#include "tests/engine/bpmn_builder.h"
#include "tests/engine/engine_harness.h"

namespace waggle::engine::testing {
namespace {

using nlohmann::json;
using record::ProcessInstanceIntent;
using record::ValueType;

// start -> callActivity `call` (calledElement attributes, extra extensions) -> end
std::string ParentProcess(const std::string& called_element_attributes,
                          const std::string& mappings = "") {
  return BpmnProcess("parent",
                     "<bpmn:startEvent id=\"s\" /><bpmn:callActivity id=\"call\">"
                     "<bpmn:extensionElements><zeebe:calledElement " +
                         called_element_attributes + " />" + mappings +
                         "</bpmn:extensionElements></bpmn:callActivity>"
                         "<bpmn:endEvent id=\"e\" />" +
                         Flow("f1", "s", "call") + Flow("f2", "call", "e"));
}

class CallActivityTest : public ::testing::Test {
 protected:
  void TearDown() override { EXPECT_EQ(harness_.ReplayDifference(), ""); }

  const record::fb::JobRecordT& OnlyJob(const record::fb::RecordT& batch) {
    const auto& jobs = batch.typed_value.AsJobBatchRecord()->jobs;
    EXPECT_EQ(jobs.size(), 1u);
    return *jobs.at(0);
  }
  int64_t JobKey(const record::fb::RecordT& batch) {
    return batch.typed_value.AsJobBatchRecord()->job_keys.at(0);
  }
  // The process instance records of the called process.
  std::vector<record::fb::ProcessInstanceRecordT> ChildRecords() {
    std::vector<record::fb::ProcessInstanceRecordT> out;
    for (const auto& event : harness_.Events(ValueType::kProcessInstance)) {
      const auto* value = event.typed_value.AsProcessInstanceRecord();
      if (value->bpmn_process_id == "child") out.push_back(*value);
    }
    return out;
  }
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

TEST_F(CallActivityTest, ChildRunsWithTheParentsVariablesAndHandsItsOwnBack) {
  harness_.Deploy("child.bpmn", OneTaskProcess("child", "child-work"));
  harness_.Deploy("parent.bpmn", ParentProcess("processId=\"child\""));
  const int64_t parent = harness_.CreateInstance("parent", {{"order", 7}}).key;

  auto batch = harness_.ActivateJobs("child-work");
  const auto& job = OnlyJob(batch);
  EXPECT_EQ(json::parse(job.variables), json({{"order", 7}}));
  EXPECT_EQ(job.bpmn_process_id, "child");
  const int64_t child = job.process_instance_key;
  EXPECT_NE(child, parent);
  auto records = ChildRecords();
  ASSERT_FALSE(records.empty());
  int64_t call_key = -1;
  for (const auto& event :
       harness_.Events(ValueType::kProcessInstance, ProcessInstanceIntent::kElementActivated)) {
    if (event.typed_value.AsProcessInstanceRecord()->element_id == "call") call_key = event.key;
  }
  for (const auto& value : records) {
    EXPECT_EQ(value.parent_process_instance_key, parent);
    EXPECT_EQ(value.parent_element_instance_key, call_key);
  }

  harness_.CompleteJob(JobKey(batch), {{"shipped", true}});
  EXPECT_TRUE(harness_.IsCompleted(child));
  EXPECT_TRUE(harness_.IsCompleted(parent));
  EXPECT_EQ(VariableIn(parent, "shipped"), json(true));
  // The child may not be cancelled on its own: only through its root.
  EXPECT_EQ(harness_.InstanceTrace(parent).back(), "parent:ELEMENT_COMPLETED");
}

TEST_F(CallActivityTest, ProcessIdMayBeAnExpressionAndTheLatestVersionIsCalled) {
  harness_.Deploy("child.bpmn", OneTaskProcess("child", "v1"));
  harness_.Deploy("child.bpmn", OneTaskProcess("child", "v2"));
  harness_.Deploy("parent.bpmn", ParentProcess("processId=\"=which\""));
  harness_.CreateInstance("parent", {{"which", "child"}});
  EXPECT_TRUE(harness_.ActivateJobs("v1").typed_value.AsJobBatchRecord()->jobs.empty());
  auto batch = harness_.ActivateJobs("v2");
  EXPECT_EQ(OnlyJob(batch).process_definition_version, 2);
}

TEST_F(CallActivityTest, MappingsAndPropagationFlagsLimitWhatCrosses) {
  harness_.Deploy("child.bpmn", OneTaskProcess("child", "child-work"));
  harness_.Deploy("parent.bpmn",
                  ParentProcess("processId=\"child\" propagateAllParentVariables=\"false\" "
                                "propagateAllChildVariables=\"false\"",
                                "<zeebe:ioMapping><zeebe:input source=\"=a + 1\" target=\"b\" />"
                                "<zeebe:output source=\"=result * 10\" target=\"total\" />"
                                "</zeebe:ioMapping>"));
  const int64_t parent = harness_.CreateInstance("parent", {{"a", 1}, {"secret", "x"}}).key;
  auto batch = harness_.ActivateJobs("child-work");
  EXPECT_EQ(json::parse(OnlyJob(batch).variables), json({{"b", 2}}));
  harness_.CompleteJob(JobKey(batch), {{"result", 4}, {"noise", 1}});
  EXPECT_TRUE(harness_.IsCompleted(parent));
  EXPECT_EQ(VariableIn(parent, "total"), json(40));
  EXPECT_FALSE(VariableIn(parent, "result"));
  EXPECT_FALSE(VariableIn(parent, "noise"));
}

TEST_F(CallActivityTest, ChildVariablesStayInTheChildWhenNotPropagated) {
  harness_.Deploy("child.bpmn", OneTaskProcess("child", "child-work"));
  harness_.Deploy("parent.bpmn",
                  ParentProcess("processId=\"child\" propagateAllChildVariables=\"false\""));
  const int64_t parent = harness_.CreateInstance("parent").key;
  auto batch = harness_.ActivateJobs("child-work");
  harness_.CompleteJob(JobKey(batch), {{"result", 4}});
  EXPECT_TRUE(harness_.IsCompleted(parent));
  EXPECT_FALSE(VariableIn(parent, "result"));
}

TEST_F(CallActivityTest, MissingProcessRaisesAnIncidentThatResolvesOnceDeployed) {
  harness_.Deploy("parent.bpmn", ParentProcess("processId=\"child\""));
  const int64_t parent = harness_.CreateInstance("parent").key;
  auto incidents = harness_.Events(ValueType::kIncident, record::IncidentIntent::kCreated);
  ASSERT_EQ(incidents.size(), 1u);
  const auto* incident = incidents[0].typed_value.AsIncidentRecord();
  EXPECT_EQ(incident->error_type, record::fb::ErrorType::CALLED_ELEMENT_ERROR);
  EXPECT_EQ(incident->error_message,
            "Expected process with BPMN process id 'child' to be deployed, but not found.");
  EXPECT_EQ(incident->element_id, "call");

  harness_.Deploy("child.bpmn", OneTaskProcess("child", "child-work"));
  harness_.ResolveIncident(incidents[0].key);
  auto batch = harness_.ActivateJobs("child-work");
  harness_.CompleteJob(JobKey(batch));
  EXPECT_TRUE(harness_.IsCompleted(parent));
}

TEST_F(CallActivityTest, CancellingTheParentTerminatesTheChild) {
  harness_.Deploy("child.bpmn", OneTaskProcess("child", "child-work"));
  harness_.Deploy("parent.bpmn", ParentProcess("processId=\"child\""));
  const int64_t parent = harness_.CreateInstance("parent").key;
  auto batch = harness_.ActivateJobs("child-work");
  const int64_t child = OnlyJob(batch).process_instance_key;

  auto rejected = harness_.CancelInstance(child);
  EXPECT_EQ(rejected.rejection_type, static_cast<uint8_t>(record::RejectionType::kInvalidState));

  harness_.CancelInstance(parent);
  EXPECT_TRUE(harness_.IsTerminated(child));
  EXPECT_TRUE(harness_.IsTerminated(parent));
  EXPECT_EQ(harness_.Events(ValueType::kJob, record::JobIntent::kCanceled).size(), 1u);
  // The call activity ends after its child.
  auto trace = harness_.InstanceTrace(parent);
  EXPECT_EQ(trace.back(), "parent:ELEMENT_TERMINATED");
}

// With an output mapping the child's variables stay local to each inner
// instance. (Without one, each child would propagate back its copy of the
// whole output collection too, as in Zeebe.)
TEST_F(CallActivityTest, MultiInstanceCallActivityCollectsEachChildsResult) {
  harness_.Deploy("child.bpmn",
                  BpmnProcess("child",
                              "<bpmn:startEvent id=\"cs\" /><bpmn:scriptTask id=\"sq\">"
                              "<bpmn:extensionElements><zeebe:script "
                              "expression=\"=n * n\" resultVariable=\"square\" />"
                              "</bpmn:extensionElements></bpmn:scriptTask>" +
                                  Flow("cf", "cs", "sq")));
  harness_.Deploy(
      "parent.bpmn",
      BpmnProcess("parent",
                  "<bpmn:startEvent id=\"s\" /><bpmn:callActivity id=\"call\">"
                  "<bpmn:extensionElements><zeebe:calledElement processId=\"child\" />"
                  "<zeebe:ioMapping><zeebe:output source=\"=square\" target=\"last\" />"
                  "</zeebe:ioMapping></bpmn:extensionElements>"
                  "<bpmn:multiInstanceLoopCharacteristics>"
                  "<bpmn:extensionElements><zeebe:loopCharacteristics "
                  "inputCollection=\"=ns\" inputElement=\"n\" outputCollection=\"squares\" "
                  "outputElement=\"=square\" /></bpmn:extensionElements>"
                  "</bpmn:multiInstanceLoopCharacteristics></bpmn:callActivity>" +
                      Flow("f1", "s", "call")));
  auto result = harness_.CreateInstanceWithResult("parent", {{"ns", {1, 2, 3}}});
  ASSERT_TRUE(result);
  EXPECT_EQ(json::parse(result->typed_value.AsProcessInstanceResultRecord()->variables)["squares"],
            json({1, 4, 9}));
}

}  // namespace
}  // namespace waggle::engine::testing
