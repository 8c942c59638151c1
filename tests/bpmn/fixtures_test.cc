// Every real Modeler file in ../shared/fixtures/bpmn parses; the expected
// process ids, element counts and job types come from SOURCES.md, which was
// written from the XML independently of this parser.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "engine/bpmn/parser.h"
#include "tests/bpmn/bpmn_test_util.h"

namespace waggle::bpmn {
namespace {

using testing::CountByTypeName;
using testing::JobTypes;
using testing::ReadFile;

struct Fixture {
  std::string file;
  std::string process_id;
  std::map<std::string, int> counts;
  std::set<std::string> job_types;
};

void PrintTo(const Fixture& fixture, std::ostream* out) {
  *out << fixture.file;
}

const std::vector<Fixture>& Fixtures() {
  static const std::vector<Fixture> fixtures = {
      {"noop.bpmn", "noop", {{"startEvent", 1}, {"endEvent", 1}}, {}},
      {"multi-instance-elements.bpmn",
       "multiInstanceElements",
       {{"endEvent", 3}, {"intermediateThrowEvent", 8}, {"startEvent", 3}, {"subProcess", 2}},
       {}},
      {"bank-customer-complaint-dispute-handling.bpmn",
       "bankDisputeHandling",
       {{"boundaryEvent", 2},
        {"businessRuleTask", 1},
        {"callActivity", 1},
        {"endEvent", 9},
        {"eventBasedGateway", 1},
        {"exclusiveGateway", 3},
        {"intermediateCatchEvent", 3},
        {"receiveTask", 1},
        {"sendTask", 5},
        {"serviceTask", 2},
        {"startEvent", 4},
        {"subProcess", 3},
        {"userTask", 1}},
       {"customer_notification", "dispute_process_request_proof_from_vendor",
        "extract_data_from_document"}},
      {"cpt-order-process.bpmn",
       "order-process",
       {{"boundaryEvent", 1},
        {"endEvent", 1},
        {"receiveTask", 1},
        {"serviceTask", 4},
        {"startEvent", 1}},
       {"collect-money", "fetch-items", "request-tracking-code", "ship-parcel"}},
      {"cpt-invoice-approval.bpmn",
       "Process_InvoiceApproval",
       {{"boundaryEvent", 2},
        {"endEvent", 2},
        {"exclusiveGateway", 1},
        {"serviceTask", 3},
        {"startEvent", 1},
        {"userTask", 2}},
       {"add-invoice-to-accounting", "archive-invoice", "io.camunda:email:1"}},
      {"zeebe-node-example-test.bpmn",
       "test-process",
       {{"endEvent", 1},
        {"eventBasedGateway", 1},
        {"intermediateCatchEvent", 2},
        {"serviceTask", 3},
        {"startEvent", 1}},
       {"demo-service", "process-message", "time-out"}},
      {"zeebe-play-demo.bpmn",
       "play-demo",
       {{"endEvent", 4},
        {"eventBasedGateway", 1},
        {"exclusiveGateway", 2},
        {"intermediateCatchEvent", 2},
        {"parallelGateway", 2},
        {"serviceTask", 6},
        {"startEvent", 6},
        {"subProcess", 3}},
       {"task-a", "task-b", "task-c", "task-d", "task-e", "task-f"}},
      {"zpt-pr-created.bpmn",
       "prCreatedProcess",
       {{"callActivity", 1},
        {"endEvent", 1},
        {"eventBasedGateway", 1},
        {"exclusiveGateway", 1},
        {"intermediateCatchEvent", 2},
        {"parallelGateway", 2},
        {"serviceTask", 2},
        {"startEvent", 1},
        {"userTask", 3}},
       {"deploySnapshot", "remindReviewer"}},
      {"zpt-looping-servicetask.bpmn",
       "looping-servicetask",
       {{"endEvent", 1}, {"exclusiveGateway", 1}, {"serviceTask", 1}, {"startEvent", 1}},
       {"test"}},
      {"chaos-experiment.bpmn",
       "chaosExperiment",
       {{"boundaryEvent", 2},
        {"callActivity", 3},
        {"endEvent", 9},
        {"exclusiveGateway", 4},
        {"startEvent", 5},
        {"subProcess", 4}},
       {}},
      {"chaos-action-runner.bpmn",
       "actionRunner",
       {{"boundaryEvent", 1},
        {"endEvent", 2},
        {"exclusiveGateway", 2},
        {"intermediateCatchEvent", 1},
        {"serviceTask", 1},
        {"startEvent", 1}},
       {"=action.provider.path"}},
      {"node-client-throw-error.bpmn",
       "throw-bpmn-error",
       {{"boundaryEvent", 1},
        {"endEvent", 3},
        {"serviceTask", 2},
        {"startEvent", 2},
        {"subProcess", 1}},
       {"sad-flow", "throw-bpmn-error"}},
      {"connector-kpi.bpmn",
       "connector-KPI",
       {{"boundaryEvent", 5},
        {"businessRuleTask", 1},
        {"endEvent", 5},
        {"exclusiveGateway", 1},
        {"intermediateCatchEvent", 1},
        {"intermediateThrowEvent", 3},
        {"scriptTask", 5},
        {"serviceTask", 3},
        {"startEvent", 3},
        {"subProcess", 2},
        {"task", 3},
        {"userTask", 3}},
       {"amountstatusrequested", "c-kpi-function", "io.camunda:http-json:1", "validation"}},
      {"cherry-load-test.bpmn",
       "LoadTest",
       {{"boundaryEvent", 2},
        {"endEvent", 10},
        {"inclusiveGateway", 1},
        {"intermediateCatchEvent", 4},
        {"serviceTask", 7},
        {"startEvent", 6},
        {"subProcess", 5},
        {"userTask", 1}},
       {"c-files-load-from-disk", "c-pdf-watermark", "c-pingconnector", "c-set-variables"}},
  };
  return fixtures;
}

std::shared_ptr<const Process> ParseFixture(const std::string& file) {
  std::string xml = ReadFile(std::string(WAGGLE_BPMN_FIXTURES) + "/" + file);
  EXPECT_FALSE(xml.empty()) << file;
  auto result = ParseBpmn(xml, file);
  EXPECT_TRUE(result.ok()) << result.status().message();
  if (!result.ok()) return nullptr;
  EXPECT_EQ(result->resource_name, file);
  EXPECT_EQ(result->processes.size(), 1u);
  return result->processes.empty() ? nullptr : result->processes[0];
}

const Element& ById(const Process& process, const std::string& id) {
  std::optional<ElementIndex> index = process.FindElement(id);
  EXPECT_TRUE(index.has_value()) << id;
  static const Element kMissing;
  return index ? process.elements[*index] : kMissing;
}

class FixtureTest : public ::testing::TestWithParam<Fixture> {};

TEST_P(FixtureTest, ParsesWithExpectedProcessElementsAndJobTypes) {
  const Fixture& fixture = GetParam();
  auto process = ParseFixture(fixture.file);
  ASSERT_NE(process, nullptr);
  EXPECT_EQ(process->id, fixture.process_id);
  EXPECT_TRUE(process->executable);
  EXPECT_EQ(CountByTypeName(*process), fixture.counts);
  EXPECT_EQ(JobTypes(*process), fixture.job_types);
  // The tables are consistent: ids resolve to their own index, and every
  // flow is in its ends' incoming/outgoing lists.
  for (ElementIndex index = 0; index < process->elements.size(); ++index) {
    EXPECT_EQ(process->FindElement(process->elements[index].id), index);
  }
  for (FlowIndex index = 0; index < process->flows.size(); ++index) {
    const SequenceFlow& flow = process->flows[index];
    EXPECT_EQ(process->FindFlow(flow.id), index);
    const auto& outgoing = process->elements[flow.source].outgoing;
    const auto& incoming = process->elements[flow.target].incoming;
    EXPECT_NE(std::find(outgoing.begin(), outgoing.end(), index), outgoing.end()) << flow.id;
    EXPECT_NE(std::find(incoming.begin(), incoming.end(), index), incoming.end()) << flow.id;
  }
}

INSTANTIATE_TEST_SUITE_P(AllFixtures, FixtureTest, ::testing::ValuesIn(Fixtures()),
                         [](const auto& info) {
                           std::string name;
                           for (char c : info.param.file) {
                             if (c == '.') break;
                             name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           }
                           return name;
                         });

TEST(FixtureDetails, LoopingServiceTaskDefaultFlowAndStartOutput) {
  auto process = ParseFixture("zpt-looping-servicetask.bpmn");
  ASSERT_NE(process, nullptr);
  const Element& gateway = ById(*process, "Gateway_0fhwf5d");
  ASSERT_TRUE(gateway.default_flow.has_value());
  EXPECT_EQ(process->flows[*gateway.default_flow].id, "Flow_117ogjm");
  EXPECT_TRUE(process->flows[*gateway.default_flow].is_default);
  const SequenceFlow& loop = process->flows[*process->FindFlow("loopSequenceFlow")];
  ASSERT_TRUE(loop.condition.has_value());
  EXPECT_TRUE(loop.condition->is_expression());
  EXPECT_EQ(loop.condition->text, "loopAmount != totalLoops");
  EXPECT_FALSE(loop.is_default);

  const Element& start = ById(*process, "startevent");
  ASSERT_EQ(start.outputs.size(), 1u);
  EXPECT_EQ(start.outputs[0].target, "loopAmount");
  ASSERT_TRUE(start.outputs[0].source.has_value());
  EXPECT_TRUE(start.outputs[0].source->is_expression());
  EXPECT_EQ(start.outputs[0].source->text, "0");
  EXPECT_EQ(process->NoneStartEvent(), process->FindElement("startevent"));

  const Element& task = ById(*process, "servicetask");
  ASSERT_TRUE(task.job.has_value());
  EXPECT_EQ(task.job->retries.text, "1");
  EXPECT_FALSE(task.job->retries.is_expression());
  EXPECT_EQ(task.incoming.size(), 2u);
}

TEST(FixtureDetails, ActionRunnerJobTypeAndTimerAreExpressions) {
  auto process = ParseFixture("chaos-action-runner.bpmn");
  ASSERT_NE(process, nullptr);
  int timers = 0;
  for (const Element& element : process->elements) {
    if (element.job) {
      EXPECT_TRUE(element.job->type.is_expression());
      EXPECT_EQ(element.job->type.text, "action.provider.path");
      EXPECT_EQ(element.job->retries.text, "3");  // the default
    }
    if (element.type == ElementType::kBoundaryEvent) {
      ASSERT_TRUE(element.timer.has_value());
      EXPECT_EQ(element.timer->kind, TimerKind::kDuration);
      EXPECT_TRUE(element.timer->value.is_expression());
      EXPECT_TRUE(element.interrupting);
      ASSERT_TRUE(element.attached_to.has_value());
      EXPECT_EQ(process->elements[*element.attached_to].type, ElementType::kServiceTask);
      ++timers;
    }
  }
  EXPECT_EQ(timers, 1);
}

TEST(FixtureDetails, PlayDemoNonInterruptingMessageEventSubProcessInsideEmbedded) {
  auto process = ParseFixture("zeebe-play-demo.bpmn");
  ASSERT_NE(process, nullptr);
  const Element& ping_sub_process = ById(*process, "Activity_13ncqtb");
  EXPECT_EQ(ping_sub_process.type, ElementType::kEventSubProcess);
  ASSERT_TRUE(ping_sub_process.parent.has_value());
  EXPECT_EQ(process->elements[*ping_sub_process.parent].type, ElementType::kSubProcess);

  const Element& ping = ById(*process, "Event_1so1ulj");
  EXPECT_EQ(ping.type, ElementType::kStartEvent);
  EXPECT_EQ(ping.event_kind, EventKind::kMessage);
  EXPECT_FALSE(ping.interrupting);
  EXPECT_EQ(ping.parent, process->FindElement("Activity_13ncqtb"));
  ASSERT_TRUE(ping.message.has_value());
  EXPECT_EQ(ping.message->name.text, "ping");
  ASSERT_TRUE(ping.message->correlation_key.has_value());
  EXPECT_TRUE(ping.message->correlation_key->is_expression());
  EXPECT_EQ(ping.message->correlation_key->text, "key");

  const Element& error_sub_process = ById(*process, "Activity_0idr7gg");
  EXPECT_EQ(error_sub_process.type, ElementType::kEventSubProcess);
  EXPECT_FALSE(error_sub_process.parent.has_value());
  const Element& error_start = ById(*process, "Event_0g5f8ul");
  EXPECT_EQ(error_start.event_kind, EventKind::kError);
  EXPECT_TRUE(error_start.interrupting);
  ASSERT_TRUE(error_start.error.has_value() && error_start.error->code.has_value());
  EXPECT_EQ(error_start.error->code->text, "error-1");

  // The timer start is a cycle; the message start needs no correlation key.
  int timer_starts = 0, message_starts = 0;
  for (ElementIndex index : process->children) {
    const Element& element = process->elements[index];
    if (element.type != ElementType::kStartEvent) continue;
    if (element.event_kind == EventKind::kTimer) {
      ++timer_starts;
      EXPECT_EQ(element.timer->kind, TimerKind::kCycle);
      EXPECT_EQ(element.timer->value.text, "R10/PT1M");
    }
    if (element.event_kind == EventKind::kMessage) {
      ++message_starts;
      EXPECT_EQ(element.message->name.text, "start");
      EXPECT_FALSE(element.message->correlation_key.has_value());
    }
  }
  EXPECT_EQ(timer_starts, 1);
  EXPECT_EQ(message_starts, 1);
}

TEST(FixtureDetails, InvoiceApprovalCatchAllErrorBoundaryAndUserTasks) {
  auto process = ParseFixture("cpt-invoice-approval.bpmn");
  ASSERT_NE(process, nullptr);
  int error_boundaries = 0, camunda_user_tasks = 0, email_headers = 0;
  for (const Element& element : process->elements) {
    if (element.type == ElementType::kBoundaryEvent && element.event_kind == EventKind::kError) {
      ++error_boundaries;
      ASSERT_TRUE(element.error.has_value());
      EXPECT_FALSE(element.error->code.has_value());  // catch-all
      ASSERT_TRUE(element.attached_to.has_value());
      EXPECT_EQ(process->elements[*element.attached_to].job->type.text, "archive-invoice");
    }
    if (element.user_task && element.user_task->camunda_user_task) {
      ++camunda_user_tasks;
      EXPECT_FALSE(element.job.has_value());
    }
    if (element.job && element.job->type.text == "io.camunda:email:1") {
      email_headers = static_cast<int>(element.task_headers.size());
      int without_source = 0;
      for (const Mapping& input : element.inputs) without_source += !input.source.has_value();
      EXPECT_GT(without_source, 0);
    }
  }
  EXPECT_EQ(error_boundaries, 1);
  EXPECT_EQ(camunda_user_tasks, 2);
  EXPECT_EQ(email_headers, 3);
  bool found_assignee = false;
  for (const Element& element : process->elements) {
    if (element.user_task && element.user_task->assignee) {
      found_assignee = true;
      EXPECT_TRUE(element.user_task->assignee->is_expression());
      EXPECT_EQ(element.user_task->assignee->text, "approver");
    }
  }
  EXPECT_TRUE(found_assignee);
}

TEST(FixtureDetails, CherryInclusiveGatewayWithFiveConditions) {
  auto process = ParseFixture("cherry-load-test.bpmn");
  ASSERT_NE(process, nullptr);
  int gateways = 0, sequential = 0;
  for (const Element& element : process->elements) {
    if (element.multi_instance) {
      sequential += element.multi_instance->sequential;
      EXPECT_EQ(element.multi_instance->input_collection.text, "listOfColors");
    }
    if (element.type != ElementType::kInclusiveGateway) continue;
    ++gateways;
    ASSERT_EQ(element.outgoing.size(), 5u);
    for (FlowIndex index : element.outgoing) {
      const SequenceFlow& flow = process->flows[index];
      ASSERT_TRUE(flow.condition.has_value()) << flow.id;
      EXPECT_TRUE(flow.condition->is_expression());
      EXPECT_EQ(flow.condition->text, "true");
    }
    EXPECT_TRUE(element.unsupported.empty());  // a fork, not a join
  }
  EXPECT_EQ(gateways, 1);
  EXPECT_EQ(sequential, 8);
}

TEST(FixtureDetails, PrCreatedStartsByMessageOnlyAndHasJobBasedUserTasks) {
  auto process = ParseFixture("zpt-pr-created.bpmn");
  ASSERT_NE(process, nullptr);
  EXPECT_FALSE(process->NoneStartEvent().has_value());
  int user_tasks = 0;
  for (const Element& element : process->elements) {
    if (element.type == ElementType::kUserTask) {
      ++user_tasks;
      ASSERT_TRUE(element.job.has_value());
      EXPECT_EQ(element.job->type.text, kJobBasedUserTaskType);
    }
    if (element.type == ElementType::kCallActivity) {
      ASSERT_TRUE(element.called_element.has_value());
      EXPECT_EQ(element.called_element->process_id.text, "automatedTestsProcess");
      EXPECT_FALSE(element.called_element->propagate_all_child_variables);
    }
  }
  EXPECT_EQ(user_tasks, 3);
}

TEST(FixtureDetails, OrderProcessReceiveTaskWithNonInterruptingTimer) {
  auto process = ParseFixture("cpt-order-process.bpmn");
  ASSERT_NE(process, nullptr);
  for (const Element& element : process->elements) {
    if (element.type == ElementType::kReceiveTask) {
      ASSERT_TRUE(element.message.has_value());
      EXPECT_EQ(element.message->name.text, "Received tracking code");
      EXPECT_EQ(element.message->correlation_key->text, "shipping_id");
      ASSERT_EQ(element.boundary_events.size(), 1u);
      const Element& boundary = process->elements[element.boundary_events[0]];
      EXPECT_FALSE(boundary.interrupting);
      EXPECT_EQ(boundary.timer->kind, TimerKind::kDuration);
      EXPECT_EQ(boundary.timer->value.text, "P2D");
      EXPECT_FALSE(boundary.timer->value.is_expression());
    }
  }
}

TEST(FixtureDetails, BankDisputeUnsupportedKindsAreMarkedNotRejected) {
  auto process = ParseFixture("bank-customer-complaint-dispute-handling.bpmn");
  ASSERT_NE(process, nullptr);
  int decisions = 0, escalations = 0, parallel_multi_instances = 0;
  for (const Element& element : process->elements) {
    if (element.called_decision) {
      ++decisions;
      EXPECT_EQ(element.called_decision->decision_id.text, "determine-fraud-rating-1dmmwcu");
      EXPECT_FALSE(element.unsupported.empty());
    }
    if (element.event_kind == EventKind::kEscalation) {
      ++escalations;
      EXPECT_FALSE(element.unsupported.empty());
    }
    if (element.multi_instance && !element.multi_instance->sequential) ++parallel_multi_instances;
    if (element.type == ElementType::kCallActivity) {
      EXPECT_EQ(element.multi_instance->output_collection, "refundedAmount");
      EXPECT_EQ(element.multi_instance->output_element->text, "refundedPosition");
    }
  }
  EXPECT_EQ(decisions, 1);
  EXPECT_EQ(escalations, 3);
  EXPECT_EQ(parallel_multi_instances, 2);
}

TEST(FixtureDetails, ConnectorKpiScriptTasks) {
  auto process = ParseFixture("connector-kpi.bpmn");
  ASSERT_NE(process, nullptr);
  int inline_scripts = 0, job_scripts = 0;
  for (const Element& element : process->elements) {
    if (element.type != ElementType::kScriptTask) continue;
    if (element.script) {
      ++inline_scripts;
      EXPECT_TRUE(element.script->expression.is_expression());
      EXPECT_FALSE(element.script->result_variable.empty());
    } else {
      ++job_scripts;
      EXPECT_EQ(element.job->type.text, "validation");
    }
  }
  EXPECT_EQ(inline_scripts, 4);
  EXPECT_EQ(job_scripts, 1);
}

TEST(FixtureDetails, NoopHasNoZeebeNamespaceAndStillParses) {
  std::string xml = ReadFile(std::string(WAGGLE_BPMN_FIXTURES) + "/noop.bpmn");
  EXPECT_EQ(xml.find("camunda.org/schema/zeebe"), std::string::npos);
  auto process = ParseFixture("noop.bpmn");
  ASSERT_NE(process, nullptr);
  ASSERT_TRUE(process->NoneStartEvent().has_value());
  const Element& start = process->elements[*process->NoneStartEvent()];
  ASSERT_EQ(start.outgoing.size(), 1u);
  EXPECT_EQ(process->elements[process->flows[start.outgoing[0]].target].type,
            ElementType::kEndEvent);
}

}  // namespace
}  // namespace waggle::bpmn
