// Timers: intermediate timer catch events, timer boundary events
// (interrupting and not, cycles), timer start events; due dates from the
// command timestamps only, exposed through NextDueDate and DueCommands.
#include <gtest/gtest.h>

#include "tests/engine/bpmn_builder.h"
#include "tests/engine/engine_harness.h"

namespace waggle::engine::testing {
namespace {

using nlohmann::json;
using record::ProcessInstanceIntent;
using record::TimerIntent;
using record::ValueType;

std::string TimerDefinition(const std::string& kind, const std::string& value) {
  return "<bpmn:timerEventDefinition><bpmn:" + kind + " xsi:type=\"bpmn:tFormalExpression\">" +
         value + "</bpmn:" + kind + "></bpmn:timerEventDefinition>";
}

// start -> catch(timer) -> end
std::string TimerCatchProcess(const std::string& kind, const std::string& value) {
  return BpmnProcess("wait",
                     "<bpmn:startEvent id=\"s\" />"
                     "<bpmn:intermediateCatchEvent id=\"timer\">" +
                         TimerDefinition(kind, value) +
                         "</bpmn:intermediateCatchEvent>"
                         "<bpmn:endEvent id=\"e\" />" +
                         Flow("f1", "s", "timer") + Flow("f2", "timer", "e"));
}

// start -> task(work) -> end, with a timer boundary event -> escalated
std::string TimerBoundaryProcess(bool interrupting, const std::string& kind,
                                 const std::string& value) {
  return BpmnProcess(
      "guarded", "<bpmn:startEvent id=\"s\" />" + ServiceTask("task", "work") +
                     "<bpmn:boundaryEvent id=\"timeout\" attachedToRef=\"task\" cancelActivity=\"" +
                     (interrupting ? "true" : "false") + "\">" + TimerDefinition(kind, value) +
                     "</bpmn:boundaryEvent>"
                     "<bpmn:endEvent id=\"done\" /><bpmn:endEvent id=\"escalated\" />" +
                     Flow("f1", "s", "task") + Flow("f2", "task", "done") +
                     Flow("f3", "timeout", "escalated"));
}

class TimerTest : public ::testing::Test {
 protected:
  void TearDown() override { EXPECT_EQ(harness_.ReplayDifference(), ""); }

  int64_t Create(const std::string& process_id, const json& variables = json::object()) {
    return harness_.CreateInstance(process_id, variables)
        .typed_value.AsProcessInstanceCreationRecord()
        ->process_instance_key;
  }

  size_t Count(const std::string& element_id, ProcessInstanceIntent intent) {
    size_t n = 0;
    for (const auto& event : harness_.Events(ValueType::kProcessInstance, intent)) {
      if (event.typed_value.AsProcessInstanceRecord()->element_id == element_id) ++n;
    }
    return n;
  }

  EngineHarness harness_;
};

TEST_F(TimerTest, IntermediateTimerWaitsForItsDuration) {
  harness_.Deploy("wait.bpmn", TimerCatchProcess("timeDuration", "PT10S"));
  const int64_t instance = Create("wait");
  auto created = harness_.Events(ValueType::kTimer, TimerIntent::kCreated);
  ASSERT_EQ(created.size(), 1u);
  const auto* timer = created[0].typed_value.AsTimerRecord();
  EXPECT_EQ(timer->due_date, harness_.now() + 10000);
  EXPECT_EQ(timer->target_element_id, "timer");
  EXPECT_EQ(timer->process_instance_key, instance);
  EXPECT_EQ(timer->repetitions, 1);
  EXPECT_EQ(harness_.engine().NextDueDate(), harness_.now() + 10000);
  EXPECT_TRUE(harness_.engine().DueCommands(harness_.now() + 9999, 10).empty());

  harness_.AdvanceTime(9999);
  EXPECT_FALSE(harness_.IsCompleted(instance));
  harness_.AdvanceTime(1);
  EXPECT_TRUE(harness_.IsCompleted(instance));
  EXPECT_EQ(harness_.Events(ValueType::kTimer, TimerIntent::kTriggered).size(), 1u);
  EXPECT_EQ(harness_.engine().NextDueDate(), std::nullopt);
}

TEST_F(TimerTest, TimerDateAndFeelDuration) {
  // now is 2023-11-14T22:13:20Z.
  harness_.Deploy("wait.bpmn", TimerCatchProcess("timeDate", "2023-11-14T22:15:00Z"));
  const int64_t dated = Create("wait");
  EXPECT_EQ(harness_.engine().NextDueDate(), harness_.now() + 100000);
  harness_.Deploy("wait2.bpmn",
                  TimerCatchProcess("timeDuration", "=duration(\"PT\" + string(secs) + \"S\")"));
  const int64_t computed = Create("wait", {{"secs", 5}});
  EXPECT_EQ(harness_.engine().NextDueDate(), harness_.now() + 5000);
  harness_.AdvanceTime(5000);
  EXPECT_TRUE(harness_.IsCompleted(computed));
  EXPECT_FALSE(harness_.IsCompleted(dated));
  harness_.AdvanceTime(95000);
  EXPECT_TRUE(harness_.IsCompleted(dated));
}

TEST_F(TimerTest, TimerThatDoesNotParseRaisesAnIncident) {
  harness_.Deploy("wait.bpmn", TimerCatchProcess("timeDuration", "=bad"));
  Create("wait", {{"bad", "ten seconds"}});
  auto incidents = harness_.Events(ValueType::kIncident, record::IncidentIntent::kCreated);
  ASSERT_EQ(incidents.size(), 1u);
  EXPECT_EQ(incidents[0].typed_value.AsIncidentRecord()->error_type,
            record::fb::ErrorType::EXTRACT_VALUE_ERROR);
  EXPECT_TRUE(harness_.Events(ValueType::kTimer).empty());
}

TEST_F(TimerTest, InterruptingBoundaryTimerTerminatesTheTask) {
  harness_.Deploy("guarded.bpmn", TimerBoundaryProcess(true, "timeDuration", "PT1M"));
  const int64_t instance = Create("guarded");
  harness_.AdvanceTime(60000);
  EXPECT_TRUE(harness_.IsCompleted(instance));
  EXPECT_EQ(harness_.Events(ValueType::kJob, record::JobIntent::kCanceled).size(), 1u);
  auto trace = harness_.InstanceTrace(instance);
  ASSERT_GE(trace.size(), 13u);
  std::vector<std::string> tail(trace.end() - 13, trace.end());
  EXPECT_EQ(
      tail,
      (std::vector<std::string>{
          "task:ELEMENT_TERMINATING", "task:ELEMENT_TERMINATED", "timeout:ELEMENT_ACTIVATING",
          "timeout:ELEMENT_ACTIVATED", "timeout:ELEMENT_COMPLETING", "timeout:ELEMENT_COMPLETED",
          "f3:SEQUENCE_FLOW_TAKEN", "escalated:ELEMENT_ACTIVATING", "escalated:ELEMENT_ACTIVATED",
          "escalated:ELEMENT_COMPLETING", "escalated:ELEMENT_COMPLETED",
          "guarded:ELEMENT_COMPLETING", "guarded:ELEMENT_COMPLETED"}));
  EXPECT_EQ(
      harness_.Events(ValueType::kProcessEvent, record::ProcessEventIntent::kTriggering).size(),
      1u);
  EXPECT_TRUE(harness_.ActivateJobs("work").typed_value.AsJobBatchRecord()->jobs.empty());
}

TEST_F(TimerTest, CompletingTheTaskCancelsItsBoundaryTimer) {
  harness_.Deploy("guarded.bpmn", TimerBoundaryProcess(true, "timeDuration", "PT1M"));
  const int64_t instance = Create("guarded");
  auto batch = harness_.ActivateJobs("work");
  harness_.CompleteJob(batch.typed_value.AsJobBatchRecord()->job_keys.at(0));
  EXPECT_TRUE(harness_.IsCompleted(instance));
  EXPECT_EQ(harness_.Events(ValueType::kTimer, TimerIntent::kCanceled).size(), 1u);
  EXPECT_EQ(harness_.engine().NextDueDate(), std::nullopt);
  harness_.AdvanceTime(60000);
  EXPECT_EQ(Count("timeout", ProcessInstanceIntent::kElementActivating), 0u);
}

TEST_F(TimerTest, NonInterruptingBoundaryCycleRepeatsWhileTheTaskRuns) {
  harness_.Deploy("guarded.bpmn", TimerBoundaryProcess(false, "timeCycle", "R3/PT10S"));
  const int64_t instance = Create("guarded");
  for (int i = 0; i < 5; ++i) harness_.AdvanceTime(10000);
  EXPECT_EQ(Count("timeout", ProcessInstanceIntent::kElementCompleted), 3u);
  EXPECT_EQ(Count("escalated", ProcessInstanceIntent::kElementCompleted), 3u);
  EXPECT_EQ(Count("task", ProcessInstanceIntent::kElementTerminated), 0u);
  auto created = harness_.Events(ValueType::kTimer, TimerIntent::kCreated);
  ASSERT_EQ(created.size(), 3u);
  EXPECT_EQ(created[2].typed_value.AsTimerRecord()->repetitions, 1);
  EXPECT_FALSE(harness_.IsCompleted(instance));

  auto batch = harness_.ActivateJobs("work");
  harness_.CompleteJob(batch.typed_value.AsJobBatchRecord()->job_keys.at(0));
  EXPECT_TRUE(harness_.IsCompleted(instance));
}

TEST_F(TimerTest, NonInterruptingBoundaryStopsWhenTheTaskCompletes) {
  harness_.Deploy("guarded.bpmn", TimerBoundaryProcess(false, "timeCycle", "R/PT10S"));
  const int64_t instance = Create("guarded");
  harness_.AdvanceTime(10000);
  harness_.AdvanceTime(10000);
  auto batch = harness_.ActivateJobs("work");
  harness_.CompleteJob(batch.typed_value.AsJobBatchRecord()->job_keys.at(0));
  EXPECT_TRUE(harness_.IsCompleted(instance));
  EXPECT_EQ(Count("timeout", ProcessInstanceIntent::kElementCompleted), 2u);
  EXPECT_EQ(harness_.Events(ValueType::kTimer, TimerIntent::kCanceled).size(), 1u);
  harness_.AdvanceTime(10000);
  EXPECT_EQ(Count("timeout", ProcessInstanceIntent::kElementCompleted), 2u);
}

TEST_F(TimerTest, CancellingTheInstanceCancelsItsTimers) {
  harness_.Deploy("guarded.bpmn", TimerBoundaryProcess(true, "timeDuration", "PT1M"));
  const int64_t instance = Create("guarded");
  harness_.CancelInstance(instance);
  EXPECT_TRUE(harness_.IsTerminated(instance));
  EXPECT_EQ(harness_.Events(ValueType::kTimer, TimerIntent::kCanceled).size(), 1u);
  EXPECT_EQ(harness_.engine().NextDueDate(), std::nullopt);
}

TEST_F(TimerTest, TimerStartEventCreatesInstancesOnItsCycle) {
  const std::string xml = BpmnProcess(
      "ticker", "<bpmn:startEvent id=\"tick\">" + TimerDefinition("timeCycle", "R2/PT1M") +
                    "</bpmn:startEvent><bpmn:endEvent id=\"e\" />" + Flow("f", "tick", "e"));
  harness_.Deploy("ticker.bpmn", xml);
  auto created = harness_.Events(ValueType::kTimer, TimerIntent::kCreated);
  ASSERT_EQ(created.size(), 1u);
  EXPECT_EQ(created[0].typed_value.AsTimerRecord()->element_instance_key, -1);
  harness_.AdvanceTime(60000);
  harness_.AdvanceTime(60000);
  harness_.AdvanceTime(60000);
  auto completed =
      harness_.Events(ValueType::kProcessInstance, ProcessInstanceIntent::kElementCompleted);
  size_t instances = 0;
  for (const auto& event : completed) {
    const auto* value = event.typed_value.AsProcessInstanceRecord();
    if (value->bpmn_element_type == record::fb::BpmnElementType::PROCESS) ++instances;
  }
  EXPECT_EQ(instances, 2u);
  EXPECT_EQ(Count("tick", ProcessInstanceIntent::kElementCompleted), 2u);
  EXPECT_EQ(harness_.engine().NextDueDate(), std::nullopt);
}

TEST_F(TimerTest, NewVersionReplacesTheTimerStartOfTheOldOne) {
  auto ticker = [](const std::string& cycle) {
    return BpmnProcess("ticker",
                       "<bpmn:startEvent id=\"tick\">" + TimerDefinition("timeCycle", cycle) +
                           "</bpmn:startEvent><bpmn:endEvent id=\"e\" />" + Flow("f", "tick", "e"));
  };
  harness_.Deploy("ticker.bpmn", ticker("R/PT1M"));
  harness_.Deploy("ticker.bpmn", ticker("R/PT2M"));
  auto canceled = harness_.Events(ValueType::kTimer, TimerIntent::kCanceled);
  ASSERT_EQ(canceled.size(), 1u);
  EXPECT_EQ(harness_.engine().NextDueDate(), harness_.now() + 120000);
  harness_.AdvanceTime(120000);
  auto triggered = harness_.Events(ValueType::kTimer, TimerIntent::kTriggered);
  ASSERT_EQ(triggered.size(), 1u);
  EXPECT_NE(triggered[0].typed_value.AsTimerRecord()->process_definition_key,
            canceled[0].typed_value.AsTimerRecord()->process_definition_key);
}

}  // namespace
}  // namespace waggle::engine::testing
