// BPMN errors (error end events, JOB THROW_ERROR) and where they are caught:
// error boundary events and event sub-processes, innermost scope first, up
// through call activities; and event sub-processes started by timers and
// messages. Every test also checks that replaying the log rebuilds the state.
#include <algorithm>

#include <gtest/gtest.h>

#include "tests/engine/bpmn_builder.h"
#include "tests/engine/engine_harness.h"

namespace waggle::engine::testing {
namespace {

using nlohmann::json;
using record::IncidentIntent;
using record::JobIntent;
using record::ProcessEventIntent;
using record::ProcessInstanceIntent;
using record::ValueType;

// A definitions document with one process and bpmn:error elements
// (id -> errorCode).
std::string WithErrors(const std::string& process_id, const std::string& body,
                       const std::vector<std::pair<std::string, std::string>>& errors = {}) {
  std::string definitions;
  for (const auto& [id, code] : errors) {
    definitions +=
        "<bpmn:error id=\"" + id + "\" name=\"" + id + "\" errorCode=\"" + code + "\" />";
  }
  std::string xml = BpmnProcess(process_id, body);
  return xml.replace(xml.find("</bpmn:definitions>"), std::string::npos,
                     definitions + "</bpmn:definitions>\n");
}

// An error boundary event on `attached_to`, catching `error_ref` (empty: all
// errors), leading to an end event.
std::string ErrorBoundary(const std::string& id, const std::string& attached_to,
                          const std::string& error_ref, const std::string& extensions = "") {
  std::string definition = error_ref.empty()
                               ? "<bpmn:errorEventDefinition />"
                               : "<bpmn:errorEventDefinition errorRef=\"" + error_ref + "\" />";
  return "<bpmn:boundaryEvent id=\"" + id + "\" attachedToRef=\"" + attached_to + "\">" +
         extensions + definition + "</bpmn:boundaryEvent><bpmn:endEvent id=\"" + id + "_end\" />" +
         Flow(id + "_flow", id, id + "_end");
}

// An event sub-process `id` whose start event (`start_definition`) leads to
// a job of type `type`.
std::string EventSubProcess(const std::string& id, const std::string& start_definition,
                            const std::string& type, bool interrupting = true) {
  return "<bpmn:subProcess id=\"" + id + "\" triggeredByEvent=\"true\"><bpmn:startEvent id=\"" +
         id + "_start\" isInterrupting=\"" + (interrupting ? "true" : "false") + "\">" +
         start_definition + "</bpmn:startEvent>" + ServiceTask(id + "_task", type) +
         "<bpmn:endEvent id=\"" + id + "_end\" />" + Flow(id + "_f1", id + "_start", id + "_task") +
         Flow(id + "_f2", id + "_task", id + "_end") + "</bpmn:subProcess>";
}

// start -> task(work) -> end, with `extra` elements in the process.
std::string TaskProcess(const std::string& process_id, const std::string& extra,
                        const std::vector<std::pair<std::string, std::string>>& errors = {}) {
  return WithErrors(process_id,
                    "<bpmn:startEvent id=\"start\" />" + ServiceTask("task", "work") +
                        "<bpmn:endEvent id=\"end\" />" + Flow("f1", "start", "task") +
                        Flow("f2", "task", "end") + extra,
                    errors);
}

class ErrorEventsTest : public ::testing::Test {
 protected:
  void TearDown() override { EXPECT_EQ(harness_.ReplayDifference(), ""); }

  int64_t Create(const std::string& process_id, const json& variables = json::object()) {
    return harness_.CreateInstance(process_id, variables)
        .typed_value.AsProcessInstanceCreationRecord()
        ->process_instance_key;
  }

  // Activates one job of `type` (it must exist) and returns its key.
  int64_t JobOf(const std::string& type) {
    auto batch = harness_.ActivateJobs(type);
    const auto& keys = batch.typed_value.AsJobBatchRecord()->job_keys;
    if (keys.empty()) throw std::runtime_error("no job of type " + type);
    return keys[0];
  }
  bool HasJob(const std::string& type) {
    return !harness_.ActivateJobs(type).typed_value.AsJobBatchRecord()->job_keys.empty();
  }

  record::fb::RecordT ThrowError(int64_t job_key, const std::string& code,
                                 const std::string& message = "",
                                 const json& variables = json::object()) {
    record::fb::JobRecordT error;
    error.error_code = code;
    error.error_message = message;
    error.variables = variables.dump();
    auto response = harness_.Execute(Command(JobIntent::kThrowError, error, job_key));
    if (!response) throw std::runtime_error("no response to THROW_ERROR");
    return *response;
  }

  bool Traced(int64_t instance, const std::string& line) {
    auto trace = harness_.InstanceTrace(instance);
    return std::find(trace.begin(), trace.end(), line) != trace.end();
  }
  // The trace lines of `instance` from the first one for `from` on.
  std::vector<std::string> TraceFrom(int64_t instance, const std::string& from) {
    auto trace = harness_.InstanceTrace(instance);
    auto it = std::find(trace.begin(), trace.end(), from);
    return {it, trace.end()};
  }
  std::vector<record::fb::RecordT> Incidents() {
    return harness_.Events(ValueType::kIncident, IncidentIntent::kCreated);
  }
  std::optional<json> Variable(const std::string& name) {
    std::optional<json> value;
    for (const auto& event : harness_.Events(ValueType::kVariable)) {
      const auto* variable = event.typed_value.AsVariableRecord();
      if (variable->name == name) value = json::parse(variable->value);
    }
    return value;
  }

  EngineHarness harness_;
};

TEST_F(ErrorEventsTest, AJobErrorIsCaughtByTheBoundaryEventWithItsCode) {
  harness_.Deploy("p.bpmn", TaskProcess("p", ErrorBoundary("caught", "task", "NotFound"),
                                        {{"NotFound", "NOT_FOUND"}}));
  const int64_t instance = Create("p");
  const int64_t job = JobOf("work");
  auto thrown = ThrowError(job, "NOT_FOUND", "no such customer", {{"customer", "c-7"}});
  EXPECT_EQ(thrown.intent, record::IntentCode(JobIntent::kErrorThrown));
  EXPECT_EQ(thrown.typed_value.AsJobRecord()->element_id, "task");

  EXPECT_EQ(TraceFrom(instance, "task:ELEMENT_TERMINATING"),
            (std::vector<std::string>{
                "task:ELEMENT_TERMINATING", "task:ELEMENT_TERMINATED", "caught:ELEMENT_ACTIVATING",
                "caught:ELEMENT_ACTIVATED", "caught:ELEMENT_COMPLETING", "caught:ELEMENT_COMPLETED",
                "caught_flow:SEQUENCE_FLOW_TAKEN", "caught_end:ELEMENT_ACTIVATING",
                "caught_end:ELEMENT_ACTIVATED", "caught_end:ELEMENT_COMPLETING",
                "caught_end:ELEMENT_COMPLETED", "p:ELEMENT_COMPLETING", "p:ELEMENT_COMPLETED"}));
  // The job was taken by the error, not canceled; the event was caught once.
  EXPECT_TRUE(harness_.Events(ValueType::kJob, JobIntent::kCanceled).empty());
  EXPECT_EQ(harness_.Events(ValueType::kProcessEvent, ProcessEventIntent::kTriggering).size(), 1u);
  EXPECT_EQ(harness_.Events(ValueType::kProcessEvent, ProcessEventIntent::kTriggered).size(), 1u);
  EXPECT_TRUE(Incidents().empty());
  // The variables thrown with the error propagate from the catch event.
  EXPECT_EQ(Variable("customer"), json("c-7"));
}

TEST_F(ErrorEventsTest, TheCatchEventsOutputMappingsSeeTheThrownVariablesLocally) {
  const std::string outputs =
      "<bpmn:extensionElements><zeebe:ioMapping>"
      "<zeebe:output source=\"=errorCode\" target=\"failure\" />"
      "<zeebe:output source=\"=errorMessage\" target=\"failureText\" />"
      "</zeebe:ioMapping></bpmn:extensionElements>";
  harness_.Deploy("p.bpmn", TaskProcess("p", ErrorBoundary("caught", "task", "", outputs)));
  const int64_t instance = Create("p");
  ThrowError(JobOf("work"), "E1", "broken", {{"errorCode", "E1"}, {"errorMessage", "broken"}});
  EXPECT_TRUE(harness_.IsCompleted(instance));
  EXPECT_EQ(Variable("failure"), json("E1"));
  EXPECT_EQ(Variable("failureText"), json("broken"));
}

TEST_F(ErrorEventsTest, ASpecificCodeIsPreferredToACatchAllOnTheSameActivity) {
  harness_.Deploy("p.bpmn", TaskProcess("p",
                                        ErrorBoundary("any", "task", "") +
                                            ErrorBoundary("specific", "task", "Specific"),
                                        {{"Specific", "E2"}}));
  const int64_t e2 = Create("p");
  ThrowError(JobOf("work"), "E2");
  EXPECT_TRUE(Traced(e2, "specific:ELEMENT_COMPLETED"));
  EXPECT_FALSE(Traced(e2, "any:ELEMENT_ACTIVATING"));

  const int64_t other = Create("p");
  ThrowError(JobOf("work"), "SOMETHING_ELSE");
  EXPECT_TRUE(Traced(other, "any:ELEMENT_COMPLETED"));
  EXPECT_FALSE(Traced(other, "specific:ELEMENT_ACTIVATING"));
}

TEST_F(ErrorEventsTest, AnUncaughtJobErrorRaisesAnIncidentListingTheCatchEvents) {
  harness_.Deploy(
      "p.bpmn",
      TaskProcess("p", ErrorBoundary("caught", "task", "A") + ErrorBoundary("other", "task", "B"),
                  {{"A", "CODE_A"}, {"B", "CODE_B"}}));
  const int64_t instance = Create("p");
  const int64_t job = JobOf("work");
  auto thrown = ThrowError(job, "CODE_C", "nobody catches this");
  EXPECT_EQ(thrown.typed_value.AsJobRecord()->element_id, "NO_CATCH_EVENT_FOUND");
  auto incidents = Incidents();
  ASSERT_EQ(incidents.size(), 1u);
  const auto* incident = incidents[0].typed_value.AsIncidentRecord();
  EXPECT_EQ(incident->error_type, record::fb::ErrorType::UNHANDLED_ERROR_EVENT);
  EXPECT_EQ(incident->error_message,
            "Expected to throw an error event with the code 'CODE_C' with message 'nobody "
            "catches this', but it was not caught. Available error events are [CODE_B, CODE_A]");
  EXPECT_EQ(incident->element_id, "task");
  EXPECT_EQ(incident->job_key, job);
  EXPECT_TRUE(Traced(instance, "task:ELEMENT_ACTIVATED"));
  EXPECT_FALSE(Traced(instance, "task:ELEMENT_TERMINATING"));
  // The job stays (failed) behind the incident; resolving it makes the job
  // activatable again.
  harness_.ResolveIncident(incidents[0].key);
  EXPECT_EQ(JobOf("work"), job);
}

TEST_F(ErrorEventsTest, AnErrorEndEventIsCaughtByTheBoundaryEventOfItsSubProcess) {
  harness_.Deploy(
      "p.bpmn",
      WithErrors("p",
                 "<bpmn:startEvent id=\"start\" /><bpmn:subProcess id=\"sub\">"
                 "<bpmn:startEvent id=\"sub_start\" />" +
                     ServiceTask("parallel", "other") +
                     "<bpmn:parallelGateway id=\"fork\" />"
                     "<bpmn:endEvent id=\"fail\"><bpmn:errorEventDefinition errorRef=\"Failed\" />"
                     "</bpmn:endEvent>" +
                     Flow("s1", "sub_start", "fork") + Flow("s2", "fork", "parallel") +
                     Flow("s3", "fork", "fail") + "</bpmn:subProcess><bpmn:endEvent id=\"end\" />" +
                     Flow("f1", "start", "sub") + Flow("f2", "sub", "end") +
                     ErrorBoundary("caught", "sub", "Failed"),
                 {{"Failed", "FAILED"}}));
  const int64_t instance = Create("p");
  EXPECT_TRUE(harness_.IsCompleted(instance));
  // The end event is activated and stays so until the sub-process is
  // terminated; the parallel job is canceled.
  auto trace = harness_.InstanceTrace(instance);
  auto at = [&](const std::string& line) {
    return std::find(trace.begin(), trace.end(), line) - trace.begin();
  };
  EXPECT_LT(at("fail:ELEMENT_ACTIVATED"), at("sub:ELEMENT_TERMINATING"));
  EXPECT_LT(at("fail:ELEMENT_TERMINATED"), at("sub:ELEMENT_TERMINATED"));
  EXPECT_LT(at("sub:ELEMENT_TERMINATED"), at("caught:ELEMENT_ACTIVATING"));
  EXPECT_FALSE(Traced(instance, "fail:ELEMENT_COMPLETED"));
  EXPECT_EQ(harness_.Events(ValueType::kJob, JobIntent::kCanceled).size(), 1u);
  EXPECT_TRUE(Incidents().empty());
}

TEST_F(ErrorEventsTest, AnUncaughtErrorEndEventRaisesZeebesIncident) {
  harness_.Deploy("p.bpmn", WithErrors("p",
                                       "<bpmn:startEvent id=\"start\" />"
                                       "<bpmn:endEvent id=\"fail\"><bpmn:errorEventDefinition "
                                       "errorRef=\"Failed\" /></bpmn:endEvent>" +
                                           Flow("f1", "start", "fail"),
                                       {{"Failed", "FAILED"}}));
  const int64_t instance = Create("p");
  auto incidents = Incidents();
  ASSERT_EQ(incidents.size(), 1u);
  EXPECT_EQ(incidents[0].typed_value.AsIncidentRecord()->error_message,
            "Expected to throw an error event with the code 'FAILED', but it was not caught. No "
            "error events are available in the scope.");
  EXPECT_EQ(harness_.InstanceTrace(instance).back(), "fail:ELEMENT_ACTIVATING");
}

TEST_F(ErrorEventsTest, TheInnermostScopeCatchesFirst) {
  // The task's catch-all wins over the sub-process's boundary with the code.
  harness_.Deploy(
      "p.bpmn",
      WithErrors("p",
                 "<bpmn:startEvent id=\"start\" /><bpmn:subProcess id=\"sub\">"
                 "<bpmn:startEvent id=\"sub_start\" />" +
                     ServiceTask("task", "work") + "<bpmn:endEvent id=\"sub_end\" />" +
                     Flow("s1", "sub_start", "task") + Flow("s2", "task", "sub_end") +
                     ErrorBoundary("inner", "task", "") +
                     "</bpmn:subProcess><bpmn:endEvent id=\"end\" />" + Flow("f1", "start", "sub") +
                     Flow("f2", "sub", "end") + ErrorBoundary("outer", "sub", "E"),
                 {{"E", "E"}}));
  const int64_t instance = Create("p");
  ThrowError(JobOf("work"), "E");
  EXPECT_TRUE(Traced(instance, "inner:ELEMENT_COMPLETED"));
  EXPECT_TRUE(Traced(instance, "sub:ELEMENT_COMPLETED"));
  EXPECT_FALSE(Traced(instance, "outer:ELEMENT_ACTIVATING"));
  EXPECT_TRUE(harness_.IsCompleted(instance));
}

TEST_F(ErrorEventsTest, WithinAScopeTheEventSubProcessIsTriedBeforeTheBoundaryEvent) {
  // Zeebe's order within one element instance: its event sub-processes,
  // then its boundary events (both with the same code here).
  harness_.Deploy(
      "p.bpmn",
      WithErrors(
          "p",
          "<bpmn:startEvent id=\"start\" /><bpmn:subProcess id=\"sub\">"
          "<bpmn:startEvent id=\"sub_start\" />" +
              ServiceTask("task", "work") + "<bpmn:endEvent id=\"sub_end\" />" +
              Flow("s1", "sub_start", "task") + Flow("s2", "task", "sub_end") +
              EventSubProcess("handler", "<bpmn:errorEventDefinition errorRef=\"E\" />", "handle") +
              "</bpmn:subProcess><bpmn:endEvent id=\"end\" />" + Flow("f1", "start", "sub") +
              Flow("f2", "sub", "end") + ErrorBoundary("boundary", "sub", "E"),
          {{"E", "E"}}));
  const int64_t instance = Create("p");
  ThrowError(JobOf("work"), "E");
  EXPECT_TRUE(Traced(instance, "handler:ELEMENT_ACTIVATED"));
  EXPECT_FALSE(Traced(instance, "boundary:ELEMENT_ACTIVATING"));
  harness_.CompleteJob(JobOf("handle"));
  // The event sub-process ran in place of the sub-process's own flow; the
  // sub-process completes after it and the process goes on.
  EXPECT_TRUE(Traced(instance, "sub:ELEMENT_COMPLETED"));
  EXPECT_TRUE(harness_.IsCompleted(instance));
}

TEST_F(ErrorEventsTest, AnErrorInACalledProcessIsCaughtAtTheCallActivity) {
  harness_.Deploy("child.bpmn", OneTaskProcess("child", "work"));
  harness_.Deploy("parent.bpmn",
                  WithErrors("parent",
                             "<bpmn:startEvent id=\"start\" /><bpmn:callActivity id=\"call\">"
                             "<bpmn:extensionElements><zeebe:calledElement processId=\"child\" />"
                             "</bpmn:extensionElements></bpmn:callActivity>"
                             "<bpmn:endEvent id=\"end\" />" +
                                 Flow("f1", "start", "call") + Flow("f2", "call", "end") +
                                 ErrorBoundary("caught", "call", "E"),
                             {{"E", "E"}}));
  const int64_t parent = Create("parent");
  ThrowError(JobOf("work"), "E", "", {{"detail", 1}});
  auto children =
      harness_.Events(ValueType::kProcessInstance, ProcessInstanceIntent::kElementTerminated);
  const auto child = std::find_if(children.begin(), children.end(), [](const auto& event) {
    return event.typed_value.AsProcessInstanceRecord()->element_id == "child";
  });
  ASSERT_NE(child, children.end());
  EXPECT_TRUE(Traced(parent, "call:ELEMENT_TERMINATED"));
  EXPECT_TRUE(Traced(parent, "caught:ELEMENT_COMPLETED"));
  EXPECT_TRUE(harness_.IsCompleted(parent));
  EXPECT_EQ(Variable("detail"), json(1));
  EXPECT_TRUE(Incidents().empty());
}

TEST_F(ErrorEventsTest, AnErrorEndEventInACalledProcessIsCaughtByTheCallersEventSubProcess) {
  harness_.Deploy("child.bpmn", WithErrors("child",
                                           "<bpmn:startEvent id=\"start\" />"
                                           "<bpmn:endEvent id=\"fail\"><bpmn:errorEventDefinition "
                                           "errorRef=\"Failed\" /></bpmn:endEvent>" +
                                               Flow("f1", "start", "fail"),
                                           {{"Failed", "FAILED"}}));
  harness_.Deploy(
      "parent.bpmn",
      WithErrors("parent",
                 "<bpmn:startEvent id=\"start\" /><bpmn:callActivity id=\"call\">"
                 "<bpmn:extensionElements><zeebe:calledElement processId=\"child\" />"
                 "</bpmn:extensionElements></bpmn:callActivity>"
                 "<bpmn:endEvent id=\"end\" />" +
                     Flow("f1", "start", "call") + Flow("f2", "call", "end") +
                     EventSubProcess("handler", "<bpmn:errorEventDefinition errorRef=\"Failed\" />",
                                     "handle"),
                 {{"Failed", "FAILED"}}));
  const int64_t parent = Create("parent");
  // The end event in the child, the call activity and the child process are
  // terminated before the event sub-process runs.
  auto trace = harness_.InstanceTrace(parent);
  auto at = [&](const std::string& line) {
    return std::find(trace.begin(), trace.end(), line) - trace.begin();
  };
  EXPECT_LT(at("call:ELEMENT_TERMINATED"), at("handler:ELEMENT_ACTIVATING"));
  auto terminated =
      harness_.Events(ValueType::kProcessInstance, ProcessInstanceIntent::kElementTerminated);
  EXPECT_EQ(std::count_if(terminated.begin(), terminated.end(),
                          [](const auto& event) {
                            const auto* value = event.typed_value.AsProcessInstanceRecord();
                            return value->element_id == "child" || value->element_id == "fail";
                          }),
            2);
  harness_.CompleteJob(JobOf("handle"));
  EXPECT_TRUE(harness_.IsCompleted(parent));
  EXPECT_TRUE(Incidents().empty());
}

TEST_F(ErrorEventsTest, AnUncaughtErrorInACalledProcessListsTheCallersCatchEvents) {
  harness_.Deploy("child.bpmn", OneTaskProcess("child", "work"));
  harness_.Deploy("parent.bpmn",
                  WithErrors("parent",
                             "<bpmn:startEvent id=\"start\" /><bpmn:callActivity id=\"call\">"
                             "<bpmn:extensionElements><zeebe:calledElement processId=\"child\" />"
                             "</bpmn:extensionElements></bpmn:callActivity>"
                             "<bpmn:endEvent id=\"end\" />" +
                                 Flow("f1", "start", "call") + Flow("f2", "call", "end") +
                                 ErrorBoundary("caught", "call", "E"),
                             {{"E", "E"}}));
  Create("parent");
  ThrowError(JobOf("work"), "OTHER");
  auto incidents = Incidents();
  ASSERT_EQ(incidents.size(), 1u);
  EXPECT_EQ(incidents[0].typed_value.AsIncidentRecord()->error_message,
            "Expected to throw an error event with the code 'OTHER', but it was not caught. "
            "Available error events are [E]");
  EXPECT_EQ(incidents[0].typed_value.AsIncidentRecord()->bpmn_process_id, "child");
}

TEST_F(ErrorEventsTest, AnErrorEventSubProcessInterruptsTheProcess) {
  harness_.Deploy(
      "p.bpmn",
      WithErrors(
          "p",
          "<bpmn:startEvent id=\"start\" /><bpmn:parallelGateway id=\"fork\" />" +
              ServiceTask("a", "task-a") + ServiceTask("b", "task-b") +
              "<bpmn:parallelGateway id=\"join\" /><bpmn:endEvent id=\"end\" />" +
              Flow("f1", "start", "fork") + Flow("f2", "fork", "a") + Flow("f3", "fork", "b") +
              Flow("f4", "a", "join") + Flow("f5", "b", "join") + Flow("f6", "join", "end") +
              EventSubProcess("handler", "<bpmn:errorEventDefinition errorRef=\"E\" />", "recover"),
          {{"E", "E"}}));
  const int64_t instance = Create("p");
  // a completes (its token waits at the join); b's worker throws.
  harness_.CompleteJob(JobOf("task-a"));
  ThrowError(JobOf("task-b"), "E", "", {{"why", "b failed"}});
  EXPECT_EQ(TraceFrom(instance, "b:ELEMENT_TERMINATING"),
            (std::vector<std::string>{
                "b:ELEMENT_TERMINATING", "b:ELEMENT_TERMINATED", "handler:ELEMENT_ACTIVATING",
                "handler:ELEMENT_ACTIVATED", "handler_start:ELEMENT_ACTIVATING",
                "handler_start:ELEMENT_ACTIVATED", "handler_start:ELEMENT_COMPLETING",
                "handler_start:ELEMENT_COMPLETED", "handler_f1:SEQUENCE_FLOW_TAKEN",
                "handler_task:ELEMENT_ACTIVATING", "handler_task:ELEMENT_ACTIVATED"}));
  EXPECT_EQ(Variable("why"), json("b failed"));
  harness_.CompleteJob(JobOf("recover"));
  // The token that waited at the join is gone: the process completes after
  // the event sub-process.
  EXPECT_TRUE(Traced(instance, "handler:ELEMENT_COMPLETED"));
  EXPECT_TRUE(harness_.IsCompleted(instance));
  EXPECT_FALSE(Traced(instance, "join:ELEMENT_ACTIVATING"));
}

TEST_F(ErrorEventsTest, AnErrorInsideAnInterruptingEventSubProcessIsNotCaughtByItAgain) {
  harness_.Deploy(
      "p.bpmn",
      TaskProcess("p", EventSubProcess("handler", "<bpmn:errorEventDefinition />", "recover"), {}));
  Create("p");
  ThrowError(JobOf("work"), "FIRST");
  ThrowError(JobOf("recover"), "SECOND");
  auto incidents = Incidents();
  ASSERT_EQ(incidents.size(), 1u);
  EXPECT_EQ(incidents[0].typed_value.AsIncidentRecord()->error_message,
            "Expected to throw an error event with the code 'SECOND', but it was not caught. No "
            "error events are available in the scope.");
}

TEST_F(ErrorEventsTest, AnInterruptingTimerEventSubProcessReplacesTheScopesWork) {
  harness_.Deploy("p.bpmn",
                  TaskProcess("p", EventSubProcess("late",
                                                   "<bpmn:timerEventDefinition><bpmn:timeDuration>"
                                                   "PT1M</bpmn:timeDuration>"
                                                   "</bpmn:timerEventDefinition>",
                                                   "escalate")));
  const int64_t instance = Create("p");
  EXPECT_EQ(harness_.Events(ValueType::kTimer, record::TimerIntent::kCreated).size(), 1u);
  harness_.AdvanceTime(60000);
  EXPECT_TRUE(Traced(instance, "task:ELEMENT_TERMINATED"));
  EXPECT_EQ(harness_.Events(ValueType::kJob, JobIntent::kCanceled).size(), 1u);
  harness_.CompleteJob(JobOf("escalate"));
  EXPECT_TRUE(harness_.IsCompleted(instance));
}

TEST_F(ErrorEventsTest, AnInterruptedScopeRejectsActivatingAnythingButItsEventSubProcess) {
  harness_.Deploy("p.bpmn",
                  TaskProcess("p", EventSubProcess("late",
                                                   "<bpmn:timerEventDefinition><bpmn:timeDuration>"
                                                   "PT1M</bpmn:timeDuration>"
                                                   "</bpmn:timerEventDefinition>",
                                                   "escalate")));
  const int64_t instance = Create("p");
  harness_.AdvanceTime(60000);
  // A token that was on its way to `end` when the event sub-process
  // interrupted the process.
  auto activated =
      harness_.Events(ValueType::kProcessInstance, ProcessInstanceIntent::kElementActivated);
  record::fb::ProcessInstanceRecordT end = *activated.front().typed_value.AsProcessInstanceRecord();
  end.element_id = "end";
  end.bpmn_element_type = record::fb::BpmnElementType::END_EVENT;
  end.flow_scope_key = instance;
  auto rejected = harness_.Execute(
      Command(ProcessInstanceIntent::kActivateElement, end, record::EncodeKey(1, 999999)));
  ASSERT_TRUE(rejected);
  EXPECT_EQ(rejected->rejection_type, static_cast<uint8_t>(record::RejectionType::kInvalidState));
  EXPECT_EQ(rejected->rejection_reason,
            "Expected flow scope instance to be not interrupted but was interrupted by an event "
            "with id 'late'.");
}

TEST_F(ErrorEventsTest, ANonInterruptingTimerEventSubProcessRunsBesideTheScope) {
  harness_.Deploy("p.bpmn",
                  TaskProcess("p", EventSubProcess("remind",
                                                   "<bpmn:timerEventDefinition><bpmn:timeDuration>"
                                                   "PT1M</bpmn:timeDuration>"
                                                   "</bpmn:timerEventDefinition>",
                                                   "reminder", /*interrupting=*/false)));
  const int64_t instance = Create("p");
  harness_.AdvanceTime(60000);
  harness_.CompleteJob(JobOf("reminder"));
  EXPECT_TRUE(Traced(instance, "remind:ELEMENT_COMPLETED"));
  EXPECT_FALSE(harness_.IsCompleted(instance));
  harness_.CompleteJob(JobOf("work"));
  EXPECT_TRUE(harness_.IsCompleted(instance));
  EXPECT_TRUE(harness_.Events(ValueType::kJob, JobIntent::kCanceled).empty());
}

TEST_F(ErrorEventsTest, ANonInterruptingTimerCycleEventSubProcessRepeats) {
  harness_.Deploy("p.bpmn",
                  TaskProcess("p", EventSubProcess("remind",
                                                   "<bpmn:timerEventDefinition><bpmn:timeCycle>"
                                                   "R2/PT1M</bpmn:timeCycle>"
                                                   "</bpmn:timerEventDefinition>",
                                                   "reminder", /*interrupting=*/false)));
  const int64_t instance = Create("p");
  harness_.AdvanceTime(60000);
  harness_.AdvanceTime(60000);
  harness_.AdvanceTime(60000);
  auto batch = harness_.ActivateJobs("reminder");
  EXPECT_EQ(batch.typed_value.AsJobBatchRecord()->job_keys.size(), 2u);
  harness_.CompleteJob(JobOf("work"));
  EXPECT_FALSE(harness_.IsCompleted(instance));  // the reminders still run
  for (int64_t job : batch.typed_value.AsJobBatchRecord()->job_keys) harness_.CompleteJob(job);
  EXPECT_TRUE(harness_.IsCompleted(instance));
}

TEST_F(ErrorEventsTest, AnInterruptingEventSubProcessClosesTheOtherEventSubProcesses) {
  const std::string timer =
      "<bpmn:timerEventDefinition><bpmn:timeDuration>PT1M"
      "</bpmn:timeDuration></bpmn:timerEventDefinition>";
  const std::string later =
      "<bpmn:timerEventDefinition><bpmn:timeDuration>PT2M"
      "</bpmn:timeDuration></bpmn:timerEventDefinition>";
  harness_.Deploy("p.bpmn", TaskProcess("p", EventSubProcess("first", timer, "escalate") +
                                                 EventSubProcess("second", later, "never")));
  const int64_t instance = Create("p");
  harness_.AdvanceTime(60000);
  EXPECT_EQ(harness_.Events(ValueType::kTimer, record::TimerIntent::kCanceled).size(), 1u);
  harness_.AdvanceTime(60000);
  EXPECT_FALSE(HasJob("never"));
  harness_.CompleteJob(JobOf("escalate"));
  EXPECT_TRUE(harness_.IsCompleted(instance));
}

TEST_F(ErrorEventsTest, TheScopeCompletingClosesItsEventSubProcessTimers) {
  harness_.Deploy("p.bpmn",
                  TaskProcess("p", EventSubProcess("late",
                                                   "<bpmn:timerEventDefinition><bpmn:timeDuration>"
                                                   "PT1M</bpmn:timeDuration>"
                                                   "</bpmn:timerEventDefinition>",
                                                   "escalate")));
  const int64_t instance = Create("p");
  harness_.CompleteJob(JobOf("work"));
  EXPECT_TRUE(harness_.IsCompleted(instance));
  EXPECT_EQ(harness_.Events(ValueType::kTimer, record::TimerIntent::kCanceled).size(), 1u);
  EXPECT_FALSE(harness_.engine().NextDueDate().has_value());
}

TEST_F(ErrorEventsTest, AnErrorInOneInnerInstanceIsCaughtAtTheMultiInstanceBody) {
  harness_.Deploy("p.bpmn",
                  WithErrors("p",
                             "<bpmn:startEvent id=\"start\" /><bpmn:serviceTask id=\"task\">"
                             "<bpmn:extensionElements><zeebe:taskDefinition type=\"work\" />"
                             "</bpmn:extensionElements><bpmn:multiInstanceLoopCharacteristics>"
                             "<bpmn:extensionElements><zeebe:loopCharacteristics "
                             "inputCollection=\"=[1,2,3]\" /></bpmn:extensionElements>"
                             "</bpmn:multiInstanceLoopCharacteristics></bpmn:serviceTask>"
                             "<bpmn:endEvent id=\"end\" />" +
                                 Flow("f1", "start", "task") + Flow("f2", "task", "end") +
                                 ErrorBoundary("caught", "task", "E"),
                             {{"E", "E"}}));
  const int64_t instance = Create("p");
  auto batch = harness_.ActivateJobs("work");
  ASSERT_EQ(batch.typed_value.AsJobBatchRecord()->job_keys.size(), 3u);
  ThrowError(batch.typed_value.AsJobBatchRecord()->job_keys[1], "E");
  // The body and all three inner instances end; the other two jobs are
  // canceled, the one that threw is not.
  EXPECT_EQ(harness_.Events(ValueType::kJob, JobIntent::kCanceled).size(), 2u);
  EXPECT_TRUE(Traced(instance, "caught:ELEMENT_COMPLETED"));
  EXPECT_TRUE(harness_.IsCompleted(instance));
}

TEST_F(ErrorEventsTest, AScopeAnEventSubProcessInterruptedStillTakesItsBoundaryEvents) {
  harness_.Deploy(
      "p.bpmn",
      WithErrors("p",
                 "<bpmn:startEvent id=\"start\" /><bpmn:subProcess id=\"sub\">"
                 "<bpmn:startEvent id=\"sub_start\" />" +
                     ServiceTask("task", "work") + "<bpmn:endEvent id=\"sub_end\" />" +
                     Flow("s1", "sub_start", "task") + Flow("s2", "task", "sub_end") +
                     EventSubProcess("handler", "<bpmn:errorEventDefinition />", "handle") +
                     "</bpmn:subProcess><bpmn:endEvent id=\"end\" />"
                     "<bpmn:boundaryEvent id=\"timeout\" attachedToRef=\"sub\">"
                     "<bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration>"
                     "</bpmn:timerEventDefinition></bpmn:boundaryEvent>"
                     "<bpmn:endEvent id=\"timed_out\" />" +
                     Flow("f1", "start", "sub") + Flow("f2", "sub", "end") +
                     Flow("f3", "timeout", "timed_out")));
  const int64_t instance = Create("p");
  ThrowError(JobOf("work"), "ANY");
  EXPECT_TRUE(Traced(instance, "handler:ELEMENT_ACTIVATED"));
  harness_.AdvanceTime(3600000);
  // The timer ends the sub-process, its running event sub-process included.
  EXPECT_TRUE(Traced(instance, "handler:ELEMENT_TERMINATED"));
  EXPECT_TRUE(Traced(instance, "timeout:ELEMENT_COMPLETED"));
  EXPECT_EQ(harness_.Events(ValueType::kJob, JobIntent::kCanceled).size(), 1u);
  EXPECT_TRUE(harness_.IsCompleted(instance));
}

std::string MessageEventSubProcessProcess(bool interrupting) {
  std::string xml = TaskProcess(
      "p", EventSubProcess("on_cancel", "<bpmn:messageEventDefinition messageRef=\"m\" />",
                           "cleanup", interrupting));
  return xml.replace(xml.find("</bpmn:definitions>"), std::string::npos,
                     "<bpmn:message id=\"m\" name=\"cancel-order\"><bpmn:extensionElements>"
                     "<zeebe:subscription correlationKey=\"=orderId\" />"
                     "</bpmn:extensionElements></bpmn:message></bpmn:definitions>\n");
}

void Publish(EngineHarness& harness, const std::string& name, const std::string& correlation_key,
             const json& variables = json::object()) {
  record::fb::MessageRecordT message;
  message.name = name;
  message.correlation_key = correlation_key;
  message.time_to_live = 0;
  message.variables = variables.dump();
  harness.Execute(Command(record::MessageIntent::kPublish, std::move(message)));
}

TEST_F(ErrorEventsTest, AnInterruptingMessageEventSubProcessEndsTheScopesWork) {
  harness_.Deploy("p.bpmn", MessageEventSubProcessProcess(/*interrupting=*/true));
  const int64_t instance = Create("p", {{"orderId", "o-1"}});
  Publish(harness_, "cancel-order", "o-1", {{"reason", "customer"}});
  EXPECT_TRUE(Traced(instance, "task:ELEMENT_TERMINATED"));
  // The message's variables reach the process through the start event.
  EXPECT_EQ(Variable("reason"), json("customer"));
  harness_.CompleteJob(JobOf("cleanup"));
  EXPECT_TRUE(harness_.IsCompleted(instance));
  EXPECT_FALSE(HasJob("work"));
}

TEST_F(ErrorEventsTest, ANonInterruptingMessageEventSubProcessRunsForEachMessage) {
  harness_.Deploy("p.bpmn", MessageEventSubProcessProcess(/*interrupting=*/false));
  const int64_t instance = Create("p", {{"orderId", "o-1"}});
  Publish(harness_, "cancel-order", "o-1");
  Publish(harness_, "cancel-order", "o-1");
  auto batch = harness_.ActivateJobs("cleanup");
  ASSERT_EQ(batch.typed_value.AsJobBatchRecord()->job_keys.size(), 2u);
  for (int64_t job : batch.typed_value.AsJobBatchRecord()->job_keys) harness_.CompleteJob(job);
  harness_.CompleteJob(JobOf("work"));
  EXPECT_TRUE(harness_.IsCompleted(instance));
  // Completing the process closed the subscription.
  EXPECT_EQ(harness_
                .Events(ValueType::kProcessMessageSubscription,
                        record::ProcessMessageSubscriptionIntent::kDeleted)
                .size(),
            1u);
}

// The fixtures, as SOURCES.md says they behave.

TEST_F(ErrorEventsTest, InvoiceApprovalArchiveErrorLeadsToManualArchiving) {
  harness_.DeployFile(FixturePath("cpt-invoice-approval.bpmn"));
  const int64_t instance =
      Create("Process_InvoiceApproval",
             {{"approver", "demo"}, {"invoice", {{"id", "i-1"}}}, {"approved", true}});
  ThrowError(JobOf("archive-invoice"), "ARCHIVE_DOWN", "archive unreachable");
  EXPECT_TRUE(Traced(instance, "ErrorEvent_Archive:ELEMENT_COMPLETED"));
  EXPECT_TRUE(Traced(instance, "UserTask_ArchiveInvoice:ELEMENT_ACTIVATED"));
  harness_.CompleteJob(JobOf("add-invoice-to-accounting"));
  EXPECT_TRUE(harness_.IsCompleted(instance));
  EXPECT_TRUE(Incidents().empty());
}

TEST_F(ErrorEventsTest, NodeClientThrowErrorTakesTheSadFlow) {
  harness_.DeployFile(FixturePath("node-client-throw-error.bpmn"));
  const int64_t instance = Create("throw-bpmn-error");
  ThrowError(JobOf("throw-bpmn-error"), "BUSINESS_ERROR");
  EXPECT_TRUE(Traced(instance, "SubProcess_0kmfk49:ELEMENT_TERMINATED"));
  EXPECT_TRUE(Traced(instance, "IntermediateThrowEvent_0zfx5n9:ELEMENT_COMPLETED"));
  harness_.CompleteJob(JobOf("sad-flow"));
  EXPECT_TRUE(harness_.IsCompleted(instance));
}

TEST_F(ErrorEventsTest, NodeClientThrowErrorWithAnotherCodeRaisesAnIncident) {
  harness_.DeployFile(FixturePath("node-client-throw-error.bpmn"));
  Create("throw-bpmn-error");
  ThrowError(JobOf("throw-bpmn-error"), "OTHER");
  auto incidents = Incidents();
  ASSERT_EQ(incidents.size(), 1u);
  EXPECT_EQ(incidents[0].typed_value.AsIncidentRecord()->error_message,
            "Expected to throw an error event with the code 'OTHER', but it was not caught. "
            "Available error events are [BUSINESS_ERROR]");
}

class PlayDemoTest : public ErrorEventsTest {
 protected:
  void SetUp() override { harness_.DeployFile(FixturePath("zeebe-play-demo.bpmn")); }

  void Publish(const std::string& name, const std::string& correlation_key) {
    testing::Publish(harness_, name, correlation_key);
  }
};

TEST_F(PlayDemoTest, ErrorOneFromAnyJobTriggersTheErrorEventSubProcess) {
  const int64_t instance = Create("play-demo", {{"key", "k1"}});
  ThrowError(JobOf("task-a"), "error-1");
  EXPECT_TRUE(Traced(instance, "Activity_0aqs01n:ELEMENT_TERMINATED"));
  EXPECT_TRUE(Traced(instance, "Activity_1enxh9d:ELEMENT_TERMINATED"));
  EXPECT_TRUE(Traced(instance, "Activity_0idr7gg:ELEMENT_ACTIVATED"));
  EXPECT_FALSE(HasJob("task-b"));
  harness_.CompleteJob(JobOf("task-e"));
  EXPECT_TRUE(harness_.IsCompleted(instance));
  EXPECT_TRUE(Incidents().empty());
}

TEST_F(PlayDemoTest, ErrorOneFromTaskCInsideTheSubProcessTriggersItToo) {
  const int64_t instance = Create("play-demo", {{"key", "k1"}});
  harness_.CompleteJob(JobOf("task-a"));
  harness_.CompleteJob(JobOf("task-b"));
  Publish("continue", "k1");
  ThrowError(JobOf("task-c"), "error-1");
  EXPECT_TRUE(Traced(instance, "Activity_0vmv0h6:ELEMENT_TERMINATED"));
  harness_.CompleteJob(JobOf("task-e"));
  EXPECT_TRUE(harness_.IsCompleted(instance));
}

TEST_F(PlayDemoTest, PingStartsTheNonInterruptingEventSubProcessBesideTaskC) {
  const int64_t instance = Create("play-demo", {{"key", "k1"}});
  harness_.CompleteJob(JobOf("task-a"));
  harness_.CompleteJob(JobOf("task-b"));
  Publish("continue", "k1");
  const int64_t task_c = JobOf("task-c");
  Publish("ping", "k1");
  harness_.CompleteJob(JobOf("task-f"));
  EXPECT_TRUE(Traced(instance, "Activity_13ncqtb:ELEMENT_COMPLETED"));
  harness_.CompleteJob(task_c);
  EXPECT_TRUE(harness_.IsCompleted(instance));
}

}  // namespace
}  // namespace waggle::engine::testing
