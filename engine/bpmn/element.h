// One flow element of a process (event, task, gateway, sub-process, call
// activity) with everything the engine needs to run it. Elements live in
// their Process's element table and refer to each other by index.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/bpmn/element_type.h"
#include "engine/bpmn/value_or_expression.h"

namespace waggle::bpmn {

// Indexes into Process::elements and Process::flows.
using ElementIndex = uint32_t;
using FlowIndex = uint32_t;

// zeebe:input / zeebe:output.
struct Mapping {
  // Absent for an input written without source: the target becomes null.
  std::optional<ValueOrExpression> source;
  std::string target;  // a variable name or path, e.g. "a.b"
};

// zeebe:taskDefinition: the element is executed by a job worker.
struct JobDefinition {
  ValueOrExpression type;
  ValueOrExpression retries;  // "3" unless written
};

// A message the element waits for: bpmn:message name plus
// zeebe:subscription correlationKey.
struct MessageSubscription {
  ValueOrExpression name;
  // Absent for message start events of a process, which need none.
  std::optional<ValueOrExpression> correlation_key;
};

// An error event's bpmn:error. For catch events an absent code catches
// every error; a throw event always has one.
struct ErrorReference {
  std::optional<ValueOrExpression> code;
};

enum class TimerKind : uint8_t { kDate, kDuration, kCycle };

// timerEventDefinition: an ISO-8601 date, duration or cycle, static or an
// expression.
struct Timer {
  TimerKind kind;
  ValueOrExpression value;
};

// zeebe:script: the script task evaluates the expression inline.
struct Script {
  ValueOrExpression expression;
  std::string result_variable;
};

// zeebe:calledDecision (business rule task): recorded, not executed yet.
struct CalledDecision {
  ValueOrExpression decision_id;
  std::string result_variable;
};

// What a user task says about who works on it and with which form.
struct UserTaskDetails {
  // true with zeebe:userTask (a Camunda user task); false for a job-based
  // user task, whose job type is "io.camunda.zeebe:userTask".
  bool camunda_user_task = false;
  std::optional<ValueOrExpression> assignee;
  std::optional<ValueOrExpression> candidate_groups;
  std::optional<ValueOrExpression> candidate_users;
  std::optional<ValueOrExpression> due_date;
  std::optional<ValueOrExpression> follow_up_date;
  std::optional<ValueOrExpression> priority;
  std::string form_key;            // zeebe:formDefinition formKey
  std::string form_id;             // zeebe:formDefinition formId
  std::string external_reference;  // zeebe:formDefinition externalReference
};

// zeebe:calledElement.
struct CalledElement {
  ValueOrExpression process_id;
  bool propagate_all_child_variables = true;
  bool propagate_all_parent_variables = true;
};

// multiInstanceLoopCharacteristics with zeebe:loopCharacteristics.
struct MultiInstance {
  bool sequential = false;
  ValueOrExpression input_collection;
  std::string input_element;      // empty: the item is not bound to a variable
  std::string output_collection;  // empty: no output collection
  std::optional<ValueOrExpression> output_element;
  std::optional<ValueOrExpression> completion_condition;
};

inline constexpr char kJobBasedUserTaskType[] = "io.camunda.zeebe:userTask";

struct Element {
  std::string id;
  std::string name;
  ElementType type = ElementType::kTask;
  EventKind event_kind = EventKind::kNone;
  // Non-empty when Zeebe accepts the element but this engine does not run it
  // yet (e.g. escalation events, decisions): activating it raises an
  // incident with this reason.
  std::string unsupported;

  // The enclosing sub-process; absent for elements directly in the process.
  std::optional<ElementIndex> parent;
  // For sub-processes: the elements directly inside, in document order.
  std::vector<ElementIndex> children;

  std::vector<FlowIndex> incoming;
  std::vector<FlowIndex> outgoing;
  // Gateways and activities: the flow taken when no condition holds.
  std::optional<FlowIndex> default_flow;

  // Boundary events: the activity they are attached to. Activities: their
  // boundary events.
  std::optional<ElementIndex> attached_to;
  std::vector<ElementIndex> boundary_events;
  // Boundary events (cancelActivity) and event sub-process start events
  // (isInterrupting); true for everything else.
  bool interrupting = true;

  std::vector<Mapping> inputs;
  std::vector<Mapping> outputs;
  std::vector<std::pair<std::string, std::string>> task_headers;

  std::optional<JobDefinition> job;
  std::optional<MessageSubscription> message;
  std::optional<ErrorReference> error;
  std::optional<Timer> timer;
  std::optional<Script> script;
  std::optional<CalledDecision> called_decision;
  std::optional<UserTaskDetails> user_task;
  std::optional<CalledElement> called_element;
  std::optional<MultiInstance> multi_instance;
};

// How problems and incidents name an element: "serviceTask 'Activity_1'",
// "timer boundaryEvent 'Event_2'".
std::string Describe(const Element& element);

}  // namespace waggle::bpmn
