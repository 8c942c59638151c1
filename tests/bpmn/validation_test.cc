// Invalid models are rejected with every problem listed, each naming its
// element id in Zeebe's "- Element: <id>\n    - ERROR: ..." form; models
// Zeebe accepts are accepted, unsupported kinds marked.
#include <gtest/gtest.h>

#include <string>

#include "engine/bpmn/parser.h"

namespace waggle::bpmn {
namespace {

std::string Definitions(const std::string& body) {
  return R"(<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="Definitions_1">
)" + body +
         "\n</bpmn:definitions>\n";
}

std::string ProcessXml(const std::string& elements) {
  return Definitions(R"(<bpmn:process id="p" isExecutable="true">)" + elements + "</bpmn:process>");
}

constexpr char kStart[] = R"(<bpmn:startEvent id="start" />)";

std::string ServiceTask(const std::string& id, const std::string& type) {
  return R"(<bpmn:serviceTask id=")" + id +
         R"("><bpmn:extensionElements><zeebe:taskDefinition type=")" + type +
         R"(" /></bpmn:extensionElements></bpmn:serviceTask>)";
}

std::string Flow(const std::string& id, const std::string& source, const std::string& target,
                 const std::string& condition = "") {
  std::string xml = R"(<bpmn:sequenceFlow id=")" + id + R"(" sourceRef=")" + source +
                    R"(" targetRef=")" + target + R"(")";
  if (condition.empty()) return xml + " />";
  return xml + "><bpmn:conditionExpression>" + condition +
         "</bpmn:conditionExpression></bpmn:sequenceFlow>";
}

// The rejection message for an invalid model.
std::string Rejection(const std::string& xml) {
  auto result = ParseBpmn(xml, "test.bpmn");
  EXPECT_FALSE(result.ok());
  if (result.ok()) return "";
  EXPECT_EQ(result.status().code(), Status::Code::kInvalidArgument);
  EXPECT_TRUE(result.status().message().starts_with("'test.bpmn': - Element: "))
      << result.status().message();
  return result.status().message();
}

std::shared_ptr<const Process> Accepted(const std::string& xml) {
  auto result = ParseBpmn(xml, "test.bpmn");
  EXPECT_TRUE(result.ok()) << result.status().message();
  if (!result.ok() || result->processes.empty()) return nullptr;
  return result->processes[0];
}

int CountEntries(const std::string& message) {
  int count = 0;
  for (size_t at = message.find("- Element: "); at != std::string::npos;
       at = message.find("- Element: ", at + 1)) {
    ++count;
  }
  return count;
}

TEST(Validation, ServiceTaskWithoutJobType) {
  std::string message =
      Rejection(ProcessXml(std::string(kStart) + R"(<bpmn:serviceTask id="Activity_1" />)" +
                           Flow("f1", "start", "Activity_1")));
  EXPECT_EQ(message,
            "'test.bpmn': - Element: Activity_1\n"
            "    - ERROR: serviceTask 'Activity_1': no job type (zeebe:taskDefinition type)\n");
}

TEST(Validation, FlowToMissingElement) {
  std::string message = Rejection(ProcessXml(std::string(kStart) + Flow("Flow_3", "start", "X")));
  EXPECT_NE(message.find("- Element: Flow_3\n    - ERROR: sequenceFlow 'Flow_3': target 'X' "
                         "does not exist"),
            std::string::npos)
      << message;
}

TEST(Validation, FlowFromMissingElement) {
  std::string message = Rejection(ProcessXml(std::string(kStart) + Flow("Flow_4", "Y", "start")));
  EXPECT_NE(message.find("sequenceFlow 'Flow_4': source 'Y' does not exist"), std::string::npos)
      << message;
}

TEST(Validation, GatewayConditionThatDoesNotParse) {
  std::string message = Rejection(ProcessXml(
      std::string(kStart) + R"(<bpmn:exclusiveGateway id="G" default="F2" />)" +
      R"(<bpmn:endEvent id="e1" /><bpmn:endEvent id="e2" />)" + Flow("f0", "start", "G") +
      Flow("F", "G", "e1", "= x &gt; (") + Flow("F2", "G", "e2")));
  EXPECT_NE(message.find("- Element: G\n    - ERROR: exclusiveGateway 'G': condition on flow 'F' "
                         "'=x > (' does not parse: "),
            std::string::npos)
      << message;
}

TEST(Validation, ConditionMustBeAnExpression) {
  std::string message = Rejection(
      ProcessXml(std::string(kStart) + R"(<bpmn:exclusiveGateway id="G" default="F2" />)" +
                 R"(<bpmn:endEvent id="e1" /><bpmn:endEvent id="e2" />)" +
                 Flow("f0", "start", "G") + Flow("F", "G", "e1", "${x}") + Flow("F2", "G", "e2")));
  EXPECT_NE(message.find("exclusiveGateway 'G': condition on flow 'F' '${x}' must be an "
                         "expression"),
            std::string::npos)
      << message;
}

TEST(Validation, GatewayFlowWithoutConditionOrDefault) {
  std::string message = Rejection(
      ProcessXml(std::string(kStart) + R"(<bpmn:exclusiveGateway id="G" />)" +
                 R"(<bpmn:endEvent id="e1" /><bpmn:endEvent id="e2" />)" +
                 Flow("f0", "start", "G") + Flow("F1", "G", "e1", "=x") + Flow("F2", "G", "e2")));
  EXPECT_NE(message.find("exclusiveGateway 'G': flow 'F2' has no condition and is not the "
                         "default flow"),
            std::string::npos)
      << message;
}

TEST(Validation, DefaultFlowMustStartAtTheGateway) {
  std::string message = Rejection(ProcessXml(
      std::string(kStart) + R"(<bpmn:exclusiveGateway id="G" default="f0" />)" +
      R"(<bpmn:endEvent id="e1" />)" + Flow("f0", "start", "G") + Flow("F1", "G", "e1")));
  EXPECT_NE(message.find("exclusiveGateway 'G': default flow 'f0' does not start at this element"),
            std::string::npos)
      << message;
}

TEST(Validation, MessageAndTimerStartsWithoutNoneStartAreFine) {
  auto process = Accepted(Definitions(
      R"(<bpmn:process id="p" isExecutable="true">
           <bpmn:startEvent id="m"><bpmn:messageEventDefinition messageRef="Msg" /></bpmn:startEvent>
           <bpmn:startEvent id="t"><bpmn:timerEventDefinition>
             <bpmn:timeCycle>R3/PT1H</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:startEvent>
         </bpmn:process>
         <bpmn:message id="Msg" name="=&quot;order-&quot; + &quot;created&quot;" />)"));
  ASSERT_NE(process, nullptr);
  EXPECT_FALSE(process->NoneStartEvent().has_value());
  const Element& message_start = process->elements[*process->FindElement("m")];
  EXPECT_TRUE(message_start.message->name.is_expression());
  EXPECT_FALSE(message_start.message->correlation_key.has_value());
}

TEST(Validation, AtMostOneNoneStartEvent) {
  std::string message =
      Rejection(ProcessXml(R"(<bpmn:startEvent id="s1" /><bpmn:startEvent id="s2" />)"));
  EXPECT_NE(message.find("- Element: p\n    - ERROR: process 'p': more than one none start event "
                         "('s1', 's2')"),
            std::string::npos)
      << message;
}

TEST(Validation, ProcessWithoutStartEvent) {
  std::string message = Rejection(ProcessXml(R"(<bpmn:endEvent id="e" />)"));
  EXPECT_NE(message.find("- Element: p\n    - ERROR: process 'p': no start event"),
            std::string::npos)
      << message;
}

TEST(Validation, EmbeddedSubProcessNeedsOneNoneStart) {
  std::string message = Rejection(
      ProcessXml(std::string(kStart) +
                 R"(<bpmn:subProcess id="Sub"><bpmn:endEvent id="e" /></bpmn:subProcess>)" +
                 Flow("f", "start", "Sub")));
  EXPECT_NE(message.find("subProcess 'Sub': must have exactly one none start event (has 0)"),
            std::string::npos)
      << message;
}

TEST(Validation, EventSubProcessNeedsATypedStartAndNoFlows) {
  std::string message = Rejection(ProcessXml(
      std::string(kStart) +
      R"(<bpmn:subProcess id="Esp" triggeredByEvent="true"><bpmn:startEvent id="EspStart" /></bpmn:subProcess>)" +
      Flow("f", "start", "Esp")));
  EXPECT_NE(message.find("startEvent 'EspStart': the start event of an event sub-process needs an "
                         "event definition"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("event sub-process 'Esp': must not have incoming or outgoing"),
            std::string::npos)
      << message;
}

TEST(Validation, ErrorStartOutsideEventSubProcess) {
  std::string message = Rejection(
      ProcessXml(R"(<bpmn:startEvent id="s"><bpmn:errorEventDefinition /></bpmn:startEvent>)"));
  EXPECT_NE(message.find("error startEvent 's': error start events are only allowed in event "
                         "sub-processes"),
            std::string::npos)
      << message;
}

TEST(Validation, ErrorStartOfAnEventSubProcessMustInterrupt) {
  std::string message = Rejection(ProcessXml(
      std::string(kStart) +
      R"(<bpmn:subProcess id="Esp" triggeredByEvent="true">)"
      R"(<bpmn:startEvent id="EspStart" isInterrupting="false"><bpmn:errorEventDefinition />)"
      R"(</bpmn:startEvent></bpmn:subProcess>)"));
  EXPECT_NE(message.find("error startEvent 'EspStart': error start events must be interrupting"),
            std::string::npos)
      << message;
}

TEST(Validation, ZeebeAcceptedKindsAreMarkedUnsupportedNotRejected) {
  auto process = Accepted(Definitions(
      R"(<bpmn:process id="p" isExecutable="true">
           <bpmn:startEvent id="s" />
           <bpmn:intermediateThrowEvent id="signal"><bpmn:signalEventDefinition /></bpmn:intermediateThrowEvent>
           <bpmn:intermediateThrowEvent id="link"><bpmn:linkEventDefinition name="L" /></bpmn:intermediateThrowEvent>
           <bpmn:intermediateThrowEvent id="escalate"><bpmn:escalationEventDefinition /></bpmn:intermediateThrowEvent>
           <bpmn:endEvent id="compensate"><bpmn:compensateEventDefinition /></bpmn:endEvent>
           <bpmn:businessRuleTask id="rule"><bpmn:extensionElements>
             <zeebe:calledDecision decisionId="d" resultVariable="r" /></bpmn:extensionElements>
           </bpmn:businessRuleTask>
           <bpmn:task id="plain" />
           <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="signal" />
           <bpmn:sequenceFlow id="f2" sourceRef="signal" targetRef="link" />
         </bpmn:process>)"));
  ASSERT_NE(process, nullptr);
  for (const char* id : {"signal", "link", "escalate", "compensate", "rule"}) {
    const Element& element = process->elements[*process->FindElement(id)];
    EXPECT_NE(element.unsupported.find(std::string("'") + id + "'"), std::string::npos) << id;
  }
  EXPECT_TRUE(process->elements[*process->FindElement("plain")].unsupported.empty());
  EXPECT_EQ(process->elements[*process->FindElement("signal")].event_kind, EventKind::kSignal);
}

TEST(Validation, ElementsZeebeRejectsAreListed) {
  std::string message = Rejection(ProcessXml(
      std::string(kStart) + R"(<bpmn:complexGateway id="Complex" /><bpmn:transaction id="Tx" />)" +
      R"(<bpmn:fancyThing id="Fancy" />)"));
  EXPECT_NE(message.find("complexGateway 'Complex': elements of this type are not supported"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("transaction 'Tx': elements of this type are not supported"),
            std::string::npos);
  EXPECT_NE(message.find("unknown BPMN element 'fancyThing'"), std::string::npos);
}

TEST(Validation, BoundaryAttachedToMissingActivity) {
  std::string message = Rejection(
      ProcessXml(std::string(kStart) +
                 R"(<bpmn:boundaryEvent id="B" attachedToRef="Nope"><bpmn:timerEventDefinition>
           <bpmn:timeDuration>PT1M</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>
         <bpmn:endEvent id="e" />)" +
                 Flow("f", "B", "e")));
  EXPECT_NE(message.find("- Element: B\n    - ERROR: timer boundaryEvent 'B': attached to 'Nope', "
                         "which does not exist"),
            std::string::npos)
      << message;
}

TEST(Validation, BoundaryAttachedToAGateway) {
  std::string message = Rejection(ProcessXml(
      std::string(kStart) + R"(<bpmn:parallelGateway id="G" />)" +
      R"(<bpmn:boundaryEvent id="B" attachedToRef="G"><bpmn:errorEventDefinition /></bpmn:boundaryEvent>
         <bpmn:endEvent id="e" />)" +
      Flow("f0", "start", "G") + Flow("f", "B", "e")));
  EXPECT_NE(message.find("error boundaryEvent 'B': attached to 'G', which is not an activity"),
            std::string::npos)
      << message;
}

TEST(Validation, MessageCatchWithoutMessageName) {
  std::string message = Rejection(Definitions(
      R"(<bpmn:process id="p" isExecutable="true">)" + std::string(kStart) +
      R"(<bpmn:intermediateCatchEvent id="NoRef"><bpmn:messageEventDefinition /></bpmn:intermediateCatchEvent>
         <bpmn:intermediateCatchEvent id="NoName"><bpmn:messageEventDefinition messageRef="M" /></bpmn:intermediateCatchEvent>
         <bpmn:receiveTask id="Dangling" messageRef="Missing" />
       </bpmn:process><bpmn:message id="M" />)"));
  EXPECT_NE(message.find("- Element: NoRef\n    - ERROR: message intermediateCatchEvent 'NoRef': "
                         "no message name (messageRef is missing)"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("message intermediateCatchEvent 'NoName': message 'M' has no name"),
            std::string::npos);
  EXPECT_NE(message.find("receiveTask 'Dangling': message 'Missing' does not exist"),
            std::string::npos);
}

TEST(Validation, MessageCatchWithoutCorrelationKey) {
  std::string message = Rejection(Definitions(
      R"(<bpmn:process id="p" isExecutable="true">)" + std::string(kStart) +
      R"(<bpmn:intermediateCatchEvent id="Catch"><bpmn:messageEventDefinition messageRef="M" /></bpmn:intermediateCatchEvent>
         <bpmn:receiveTask id="Receive" messageRef="M" />
         <bpmn:serviceTask id="Task"><bpmn:extensionElements><zeebe:taskDefinition type="t" /></bpmn:extensionElements></bpmn:serviceTask>
         <bpmn:boundaryEvent id="Boundary" attachedToRef="Task"><bpmn:messageEventDefinition messageRef="M" /></bpmn:boundaryEvent>
         <bpmn:endEvent id="e" />
         <bpmn:sequenceFlow id="f" sourceRef="Boundary" targetRef="e" />
       </bpmn:process><bpmn:message id="M" name="ping" />)"));
  for (const char* id : {"Catch", "Receive", "Boundary"}) {
    EXPECT_NE(message.find(std::string("- Element: ") + id + "\n"), std::string::npos) << id;
  }
  EXPECT_NE(message.find("'Catch': no correlation key (zeebe:subscription correlationKey of "
                         "message 'M')"),
            std::string::npos)
      << message;
  EXPECT_EQ(CountEntries(message), 3) << message;
}

TEST(Validation, TimerWithoutDefinition) {
  std::string message = Rejection(ProcessXml(
      std::string(kStart) +
      R"(<bpmn:intermediateCatchEvent id="Wait"><bpmn:timerEventDefinition /></bpmn:intermediateCatchEvent>)" +
      Flow("f", "start", "Wait")));
  EXPECT_NE(message.find("- Element: Wait\n    - ERROR: timer intermediateCatchEvent 'Wait': "
                         "timer has no definition"),
            std::string::npos)
      << message;
}

TEST(Validation, TimerStartWithDuration) {
  std::string message = Rejection(ProcessXml(
      R"(<bpmn:startEvent id="T"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1M</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:startEvent>)"));
  EXPECT_NE(message.find("timer startEvent 'T': a timer start event needs timeDate or timeCycle"),
            std::string::npos)
      << message;
}

TEST(Validation, TimersStaticOrExpression) {
  auto process = Accepted(ProcessXml(
      std::string(kStart) +
      R"(<bpmn:intermediateCatchEvent id="Static"><bpmn:timerEventDefinition><bpmn:timeDuration>
           PT5S
         </bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
         <bpmn:intermediateCatchEvent id="Dynamic"><bpmn:timerEventDefinition><bpmn:timeDate>=deadline</bpmn:timeDate></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>)" +
      Flow("f1", "start", "Static") + Flow("f2", "Static", "Dynamic")));
  ASSERT_NE(process, nullptr);
  const Element& fixed = process->elements[*process->FindElement("Static")];
  EXPECT_EQ(fixed.timer->kind, TimerKind::kDuration);
  EXPECT_EQ(fixed.timer->value.text, "PT5S");
  EXPECT_FALSE(fixed.timer->value.is_expression());
  const Element& dynamic = process->elements[*process->FindElement("Dynamic")];
  EXPECT_EQ(dynamic.timer->kind, TimerKind::kDate);
  EXPECT_TRUE(dynamic.timer->value.is_expression());
  EXPECT_EQ(dynamic.timer->value.text, "deadline");
}

TEST(Validation, DuplicateElementId) {
  std::string message = Rejection(
      ProcessXml(std::string(kStart) + ServiceTask("Twice", "a") + ServiceTask("Twice", "b")));
  EXPECT_NE(message.find("- Element: Twice\n    - ERROR: serviceTask 'Twice': duplicate id (also "
                         "used by a serviceTask)"),
            std::string::npos)
      << message;
}

TEST(Validation, MultiInstanceWithoutInputCollection) {
  std::string message = Rejection(ProcessXml(
      std::string(kStart) +
      R"(<bpmn:serviceTask id="Many"><bpmn:extensionElements><zeebe:taskDefinition type="t" /></bpmn:extensionElements>
           <bpmn:multiInstanceLoopCharacteristics isSequential="true" /></bpmn:serviceTask>)" +
      Flow("f", "start", "Many")));
  EXPECT_NE(message.find("- Element: Many\n    - ERROR: serviceTask 'Many': multi-instance "
                         "without inputCollection"),
            std::string::npos)
      << message;
}

TEST(Validation, MultiInstanceParsed) {
  auto process = Accepted(ProcessXml(
      std::string(kStart) +
      R"(<bpmn:serviceTask id="Many"><bpmn:extensionElements><zeebe:taskDefinition type="t" retries="=n + 1" /></bpmn:extensionElements>
           <bpmn:multiInstanceLoopCharacteristics isSequential="true"><bpmn:extensionElements>
             <zeebe:loopCharacteristics inputCollection="=items" inputElement="item" outputCollection="results" outputElement="=result" />
           </bpmn:extensionElements>
           <bpmn:completionCondition xsi:type="bpmn:tFormalExpression">=count(results) &gt; 2</bpmn:completionCondition>
           </bpmn:multiInstanceLoopCharacteristics></bpmn:serviceTask>)" +
      Flow("f", "start", "Many")));
  ASSERT_NE(process, nullptr);
  const Element& many = process->elements[*process->FindElement("Many")];
  ASSERT_TRUE(many.multi_instance.has_value());
  EXPECT_TRUE(many.multi_instance->sequential);
  EXPECT_EQ(many.multi_instance->input_collection.text, "items");
  EXPECT_EQ(many.multi_instance->input_element, "item");
  EXPECT_EQ(many.multi_instance->output_collection, "results");
  EXPECT_EQ(many.multi_instance->output_element->text, "result");
  EXPECT_EQ(many.multi_instance->completion_condition->text, "count(results) > 2");
  EXPECT_TRUE(many.job->retries.is_expression());
}

TEST(Validation, ScriptAndCallActivityNeedTheirExtensions) {
  std::string message = Rejection(ProcessXml(
      std::string(kStart) +
      R"(<bpmn:scriptTask id="Static"><bpmn:extensionElements><zeebe:script expression="1 + 1" resultVariable="r" /></bpmn:extensionElements></bpmn:scriptTask>
         <bpmn:scriptTask id="Bare" />
         <bpmn:callActivity id="Call" />)"));
  EXPECT_NE(message.find("scriptTask 'Static': script '1 + 1' must be an expression"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("scriptTask 'Bare': no job type"), std::string::npos);
  EXPECT_NE(message.find("callActivity 'Call': no called process (zeebe:calledElement processId)"),
            std::string::npos);
}

TEST(Validation, EventBasedGatewayLeadsToCatchEvents) {
  std::string message = Rejection(
      ProcessXml(std::string(kStart) + R"(<bpmn:eventBasedGateway id="Ebg" />)" +
                 ServiceTask("T", "t") + Flow("f0", "start", "Ebg") + Flow("f1", "Ebg", "T")));
  EXPECT_NE(message.find("eventBasedGateway 'Ebg': must have at least two outgoing"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("eventBasedGateway 'Ebg': flow 'f1' leads to 'T', which is not an "
                         "intermediate message, timer or signal catch event"),
            std::string::npos);
}

TEST(Validation, MessageNamesDifferAmongAlternatives) {
  std::string message = Rejection(Definitions(
      R"(<bpmn:process id="p" isExecutable="true">)" + std::string(kStart) + ServiceTask("T", "t") +
      R"(<bpmn:boundaryEvent id="B1" attachedToRef="T"><bpmn:messageEventDefinition messageRef="M1" /></bpmn:boundaryEvent>
         <bpmn:boundaryEvent id="B2" attachedToRef="T"><bpmn:messageEventDefinition messageRef="M2" /></bpmn:boundaryEvent>
         <bpmn:endEvent id="e" />)" +
      Flow("f0", "start", "T") + Flow("f1", "B1", "e") + Flow("f2", "B2", "e") +
      R"(</bpmn:process>
         <bpmn:message id="M1" name="cancel"><bpmn:extensionElements><zeebe:subscription correlationKey="=id" /></bpmn:extensionElements></bpmn:message>
         <bpmn:message id="M2" name="cancel"><bpmn:extensionElements><zeebe:subscription correlationKey="=id" /></bpmn:extensionElements></bpmn:message>)"));
  EXPECT_NE(message.find("- Element: B2\n    - ERROR: message boundaryEvent 'B2': multiple message "
                         "event definitions with the same name 'cancel' are not allowed"),
            std::string::npos)
      << message;
  EXPECT_EQ(CountEntries(message), 1) << message;
}

TEST(Validation, InclusiveJoinIsMarkedUnsupported) {
  auto process = Accepted(ProcessXml(
      std::string(kStart) +
      R"(<bpmn:parallelGateway id="Fork" /><bpmn:inclusiveGateway id="Join" />)" +
      R"(<bpmn:endEvent id="e" />)" + Flow("f0", "start", "Fork") + Flow("f1", "Fork", "Join") +
      Flow("f2", "Fork", "Join") + Flow("f3", "Join", "e")));
  ASSERT_NE(process, nullptr);
  EXPECT_NE(process->elements[*process->FindElement("Join")].unsupported.find("joins"),
            std::string::npos);
  EXPECT_TRUE(process->elements[*process->FindElement("Fork")].unsupported.empty());
}

TEST(Validation, EveryProblemIsListed) {
  std::string message = Rejection(ProcessXml(
      std::string(kStart) + R"(<bpmn:serviceTask id="A1" /><bpmn:userTask id="U" />)" +
      R"(<bpmn:serviceTask id="A2"><bpmn:extensionElements><zeebe:taskDefinition type="=a +" /></bpmn:extensionElements></bpmn:serviceTask>)" +
      Flow("F1", "start", "A1") + Flow("F2", "A1", "Ghost") + Flow("F3", "U", "A2")));
  EXPECT_NE(message.find("- Element: A1\n"), std::string::npos) << message;
  EXPECT_NE(message.find("- Element: A2\n    - ERROR: serviceTask 'A2': job type '=a +' does not "
                         "parse: "),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("- Element: F2\n"), std::string::npos);
  EXPECT_EQ(CountEntries(message), 3) << message;  // U is a job-based user task: fine
}

TEST(Validation, NoExecutableProcess) {
  std::string message = Rejection(Definitions(
      R"(<bpmn:process id="p" isExecutable="false"><bpmn:task id="t" /></bpmn:process>)"));
  EXPECT_NE(message.find("- Element: definitions\n    - ERROR: definitions: no executable process"),
            std::string::npos)
      << message;
}

TEST(Namespaces, AnyPrefixesDefaultNamespaceAndCollaborations) {
  std::string xml = R"(<?xml version="1.0"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
             xmlns:z="http://camunda.org/schema/zeebe/1.0"
             xmlns:bpmn="urn:not-bpmn" xmlns:zeebe="urn:not-zeebe" id="d">
  <collaboration id="c">
    <participant id="p1" processRef="first" />
    <participant id="p2" processRef="second" />
  </collaboration>
  <process id="first" isExecutable="true">
    <startEvent id="s1" />
    <serviceTask id="t1">
      <extensionElements>
        <z:taskDefinition type="from-z-prefix" />
        <zeebe:taskDefinition type="ignored: not the zeebe namespace" />
      </extensionElements>
    </serviceTask>
    <bpmn:serviceTask id="ignored-element" />
    <sequenceFlow id="f1" sourceRef="s1" targetRef="t1" />
  </process>
  <sem:process xmlns:sem="http://www.omg.org/spec/BPMN/20100524/MODEL" id="second" isExecutable="true">
    <sem:startEvent id="s2" />
  </sem:process>
  <process id="documentation-only" isExecutable="false"><bpmn:whatever /></process>
</definitions>)";
  auto result = ParseBpmn(xml, "ns.bpmn");
  ASSERT_TRUE(result.ok()) << result.status().message();
  ASSERT_EQ(result->processes.size(), 3u);
  const Process& first = *result->processes[0];
  EXPECT_EQ(first.id, "first");
  EXPECT_EQ(first.elements.size(), 2u);
  EXPECT_EQ(first.elements[*first.FindElement("t1")].job->type.text, "from-z-prefix");
  EXPECT_FALSE(first.FindElement("ignored-element").has_value());
  EXPECT_EQ(result->processes[1]->id, "second");
  EXPECT_EQ(result->processes[1]->elements.size(), 1u);
  EXPECT_FALSE(result->processes[2]->executable);
  EXPECT_TRUE(result->processes[2]->elements.empty());
}

TEST(Namespaces, NestedRedeclarationIsScoped) {
  // The zeebe prefix is declared on extensionElements only, and BPMN is
  // bound to "x": each prefix resolves to its nearest declaration.
  std::string xml = R"(<x:definitions xmlns:x="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
  <x:process id="p" isExecutable="true">
    <x:startEvent id="s" />
    <x:serviceTask id="t">
      <x:extensionElements xmlns:y="http://camunda.org/schema/zeebe/1.0">
        <y:taskDefinition type="scoped" />
      </x:extensionElements>
    </x:serviceTask>
    <x:sequenceFlow id="f" sourceRef="s" targetRef="t" />
  </x:process>
</x:definitions>)";
  auto result = ParseBpmn(xml, "scoped.bpmn");
  ASSERT_TRUE(result.ok()) << result.status().message();
  const Process& process = *result->processes[0];
  EXPECT_EQ(process.elements[*process.FindElement("t")].job->type.text, "scoped");
}

}  // namespace
}  // namespace waggle::bpmn
