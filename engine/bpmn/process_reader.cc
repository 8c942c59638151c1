#include "engine/bpmn/process_reader.h"

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/bpmn/text.h"
#include "engine/bpmn/xml_names.h"

namespace waggle::bpmn {
namespace {

struct NamedType {
  std::string_view local_name;
  ElementType type;
};

constexpr std::array kFlowNodeTypes = {
    NamedType{"startEvent", ElementType::kStartEvent},
    NamedType{"endEvent", ElementType::kEndEvent},
    NamedType{"intermediateCatchEvent", ElementType::kIntermediateCatchEvent},
    NamedType{"intermediateThrowEvent", ElementType::kIntermediateThrowEvent},
    NamedType{"boundaryEvent", ElementType::kBoundaryEvent},
    NamedType{"task", ElementType::kTask},
    NamedType{"manualTask", ElementType::kManualTask},
    NamedType{"serviceTask", ElementType::kServiceTask},
    NamedType{"userTask", ElementType::kUserTask},
    NamedType{"sendTask", ElementType::kSendTask},
    NamedType{"receiveTask", ElementType::kReceiveTask},
    NamedType{"scriptTask", ElementType::kScriptTask},
    NamedType{"businessRuleTask", ElementType::kBusinessRuleTask},
    NamedType{"exclusiveGateway", ElementType::kExclusiveGateway},
    NamedType{"parallelGateway", ElementType::kParallelGateway},
    NamedType{"inclusiveGateway", ElementType::kInclusiveGateway},
    NamedType{"eventBasedGateway", ElementType::kEventBasedGateway},
    NamedType{"subProcess", ElementType::kSubProcess},
    NamedType{"adHocSubProcess", ElementType::kAdHocSubProcess},
    NamedType{"callActivity", ElementType::kCallActivity},
};

// Flow nodes that Zeebe rejects outright.
constexpr std::array<std::string_view, 6> kRejectedFlowNodes = {
    "complexGateway",   "transaction",      "implicitThrowEvent",
    "callChoreography", "choreographyTask", "subChoreography"};

// What else a process, sub-process or flow node may contain that does not
// take part in execution.
constexpr std::array<std::string_view, 24> kIgnoredChildren = {
    "documentation",
    "extensionElements",
    "laneSet",
    "textAnnotation",
    "association",
    "group",
    "dataObject",
    "dataObjectReference",
    "dataStoreReference",
    "property",
    "ioSpecification",
    "ioBinding",
    "auditing",
    "monitoring",
    "supportedInterfaceRef",
    "incoming",
    "outgoing",
    "multiInstanceLoopCharacteristics",  // read with its activity
    "dataInputAssociation",
    "dataOutputAssociation",
    "resourceRole",
    "performer",
    "humanPerformer",
    "potentialOwner",
};

template <size_t N>
bool Contains(const std::array<std::string_view, N>& names, std::string_view name) {
  for (std::string_view candidate : names) {
    if (candidate == name) return true;
  }
  return false;
}

struct NamedKind {
  std::string_view local_name;
  EventKind kind;
};

constexpr std::array kEventDefinitionKinds = {
    NamedKind{"messageEventDefinition", EventKind::kMessage},
    NamedKind{"timerEventDefinition", EventKind::kTimer},
    NamedKind{"errorEventDefinition", EventKind::kError},
    NamedKind{"terminateEventDefinition", EventKind::kTerminate},
    NamedKind{"escalationEventDefinition", EventKind::kEscalation},
    NamedKind{"signalEventDefinition", EventKind::kSignal},
    NamedKind{"linkEventDefinition", EventKind::kLink},
    NamedKind{"compensateEventDefinition", EventKind::kCompensation},
    NamedKind{"conditionalEventDefinition", EventKind::kConditional},
};

// Zeebe extension elements an element may carry at most once.
constexpr std::array<std::string_view, 13> kSingleExtensions = {"taskDefinition",
                                                                "ioMapping",
                                                                "taskHeaders",
                                                                "subscription",
                                                                "script",
                                                                "calledElement",
                                                                "calledDecision",
                                                                "userTask",
                                                                "formDefinition",
                                                                "taskSchedule",
                                                                "priorityDefinition",
                                                                "assignmentDefinition",
                                                                "loopCharacteristics"};

bool AttributeIsTrue(pugi::xml_attribute attribute, bool absent_value) {
  if (!attribute) return absent_value;
  return Trim(attribute.value()) == "true";
}

// Whether an event kind is allowed for an element type, and whether this
// engine runs it.
enum class Support { kSupported, kNotYet, kInvalid };

Support EventSupport(ElementType type, EventKind kind, bool in_event_sub_process) {
  switch (type) {
    case ElementType::kStartEvent:
      switch (kind) {
        case EventKind::kNone:
        case EventKind::kMessage:
        case EventKind::kTimer: return Support::kSupported;
        case EventKind::kError:
          return in_event_sub_process ? Support::kSupported : Support::kInvalid;
        case EventKind::kEscalation:
          return in_event_sub_process ? Support::kNotYet : Support::kInvalid;
        case EventKind::kSignal:
        case EventKind::kConditional: return Support::kNotYet;
        default: return Support::kInvalid;
      }
    case ElementType::kEndEvent:
      switch (kind) {
        case EventKind::kNone:
        case EventKind::kError:
        case EventKind::kTerminate: return Support::kSupported;
        case EventKind::kMessage:
        case EventKind::kEscalation:
        case EventKind::kSignal:
        case EventKind::kCompensation: return Support::kNotYet;
        default: return Support::kInvalid;
      }
    case ElementType::kIntermediateThrowEvent:
      switch (kind) {
        case EventKind::kNone: return Support::kSupported;
        case EventKind::kMessage:
        case EventKind::kEscalation:
        case EventKind::kSignal:
        case EventKind::kLink:
        case EventKind::kCompensation: return Support::kNotYet;
        default: return Support::kInvalid;
      }
    case ElementType::kIntermediateCatchEvent:
      switch (kind) {
        case EventKind::kMessage:
        case EventKind::kTimer: return Support::kSupported;
        case EventKind::kSignal:
        case EventKind::kLink:
        case EventKind::kConditional: return Support::kNotYet;
        default: return Support::kInvalid;
      }
    case ElementType::kBoundaryEvent:
      switch (kind) {
        case EventKind::kMessage:
        case EventKind::kTimer:
        case EventKind::kError: return Support::kSupported;
        case EventKind::kEscalation:
        case EventKind::kSignal:
        case EventKind::kCompensation:
        case EventKind::kConditional: return Support::kNotYet;
        default: return Support::kInvalid;
      }
    default: return kind == EventKind::kNone ? Support::kSupported : Support::kInvalid;
  }
}

bool IsJobWorkerThrowEvent(const Element& element) {
  return (element.type == ElementType::kEndEvent ||
          element.type == ElementType::kIntermediateThrowEvent) &&
         element.event_kind == EventKind::kMessage;
}

// Long expressions are cut in problem messages.
std::string Excerpt(std::string_view text) {
  constexpr size_t kMax = 80;
  if (text.size() <= kMax) return std::string(text);
  return std::string(text.substr(0, kMax)) + "...";
}

class ProcessReader {
 public:
  ProcessReader(const DefinitionsIndex& definitions, ProblemList* problems)
      : definitions_(definitions), problems_(problems), process_(std::make_shared<Process>()) {}

  std::shared_ptr<Process> Read(pugi::xml_node node) {
    process_->id = node.attribute("id").value();
    process_->name = node.attribute("name").value();
    process_->executable = AttributeIsTrue(node.attribute("isExecutable"), false);
    // Zeebe deploys executable processes only; others are not validated.
    if (!process_->executable) return process_;
    ReadScope(node, std::nullopt);
    ResolveFlows();
    ResolveElementReferences();
    return process_;
  }

 private:
  // References by id, resolved once every element is known.
  struct PendingFlow {
    pugi::xml_node node;
    std::optional<ElementIndex> scope;
  };
  struct PendingReferences {
    std::string default_flow;
    std::string attached_to;
  };
  using Extensions = std::unordered_map<std::string_view, pugi::xml_node>;

  void Problem(const std::string& element_id, std::string message) {
    problems_->Add(element_id, std::move(message));
  }
  void Problem(const Element& element, std::string_view detail) {
    problems_->Add(element.id, Describe(element) + ": " + std::string(detail));
  }

  // Static text, or with a leading '=' a FEEL expression.
  ValueOrExpression Value(const Element& element, std::string_view what, std::string_view raw) {
    std::string_view text = Trim(raw);
    if (!text.starts_with('=')) return ValueOrExpression{std::string(text), nullptr};
    std::string_view body = Trim(text.substr(1));
    auto parsed = feel::Parse(body);
    if (!parsed.ok()) {
      Problem(element, std::string(what) + " '=" + Excerpt(body) +
                           "' does not parse: " + parsed.status().message());
      return ValueOrExpression{std::string(body), nullptr};
    }
    return ValueOrExpression{std::string(body), std::move(parsed).value()};
  }

  // Where Zeebe accepts expressions only.
  ValueOrExpression Expression(const Element& element, std::string_view what,
                               std::string_view raw) {
    if (!Trim(raw).starts_with('=')) {
      Problem(element, std::string(what) + " '" + Excerpt(Trim(raw)) +
                           "' must be an expression (starting with '=')");
    }
    return Value(element, what, raw);
  }

  void ReadScope(pugi::xml_node scope, std::optional<ElementIndex> parent) {
    for (pugi::xml_node child : scope.children()) {
      if (child.type() != pugi::node_element) continue;
      std::string_view local = BpmnLocalName(child);
      if (local.empty()) continue;  // other namespaces (Modeler, Camunda 7, ...)
      if (local == "sequenceFlow") {
        pending_flows_.push_back(PendingFlow{child, parent});
        continue;
      }
      std::optional<ElementType> type = FlowNodeType(child);
      if (type) {
        ReadFlowNode(child, *type, parent);
      } else if (Contains(kRejectedFlowNodes, local)) {
        Problem(ScopeId(parent), std::string(local) + " '" + child.attribute("id").value() +
                                     "': elements of this type are not supported");
      } else if (!Contains(kIgnoredChildren, local)) {
        Problem(ScopeId(parent),
                "unknown BPMN element '" + std::string(local) + "' in '" + ScopeId(parent) + "'");
      }
    }
  }

  static std::optional<ElementType> FlowNodeType(pugi::xml_node node) {
    std::string_view local = BpmnLocalName(node);
    for (const NamedType& named : kFlowNodeTypes) {
      if (named.local_name != local) continue;
      if (named.type == ElementType::kSubProcess &&
          AttributeIsTrue(node.attribute("triggeredByEvent"), false)) {
        return ElementType::kEventSubProcess;
      }
      return named.type;
    }
    return std::nullopt;
  }

  const std::string& ScopeId(std::optional<ElementIndex> scope) const {
    return scope ? process_->elements[*scope].id : process_->id;
  }

  void ReadFlowNode(pugi::xml_node node, ElementType type, std::optional<ElementIndex> parent) {
    auto index = static_cast<ElementIndex>(process_->elements.size());
    process_->elements.emplace_back();
    pending_references_.push_back(PendingReferences{node.attribute("default").value(),
                                                    node.attribute("attachedToRef").value()});

    Element element;
    element.id = node.attribute("id").value();
    element.name = node.attribute("name").value();
    element.type = type;
    element.parent = parent;
    if (element.id.empty()) {
      Problem(ScopeId(parent),
              std::string(ElementTypeName(type)) + " without id in '" + ScopeId(parent) + "'");
    } else {
      process_->element_by_id.emplace(element.id, index);
    }

    Extensions extensions = CollectExtensions(node, element);
    ReadMappings(extensions, element);
    ReadTaskHeaders(extensions, element);
    ReadEventDefinition(node, element);
    CheckEventKind(element);
    ReadTypeSpecifics(node, extensions, element);
    ReadLoopCharacteristics(node, element);

    process_->elements[index] = std::move(element);
    (parent ? process_->elements[*parent].children : process_->children).push_back(index);
    if (type == ElementType::kSubProcess || type == ElementType::kEventSubProcess ||
        type == ElementType::kAdHocSubProcess) {
      ReadScope(node, index);
    }
  }

  Extensions CollectExtensions(pugi::xml_node node, const Element& element) {
    Extensions extensions;
    for (pugi::xml_node extension : node.child("bpmn:extensionElements").children()) {
      std::string_view name = extension.name();
      if (!name.starts_with("zeebe:")) continue;
      std::string_view local = name.substr(6);
      if (!extensions.emplace(local, extension).second && Contains(kSingleExtensions, local)) {
        Problem(element, "more than one zeebe:" + std::string(local));
      }
    }
    return extensions;
  }

  static pugi::xml_node Find(const Extensions& extensions, std::string_view local) {
    auto it = extensions.find(local);
    return it == extensions.end() ? pugi::xml_node() : it->second;
  }

  void ReadMappings(const Extensions& extensions, Element& element) {
    for (pugi::xml_node mapping : Find(extensions, "ioMapping").children()) {
      std::string_view name = mapping.name();
      bool input = name == "zeebe:input";
      if (!input && name != "zeebe:output") continue;
      Mapping parsed;
      parsed.target = Trim(mapping.attribute("target").value());
      if (parsed.target.empty()) {
        Problem(element, std::string(input ? "input" : "output") + " mapping without target");
      }
      pugi::xml_attribute source = mapping.attribute("source");
      if (source) {
        parsed.source =
            Value(element, "source of mapping to '" + parsed.target + "'", source.value());
      }
      (input ? element.inputs : element.outputs).push_back(std::move(parsed));
    }
  }

  void ReadTaskHeaders(const Extensions& extensions, Element& element) {
    for (pugi::xml_node header : Find(extensions, "taskHeaders").children("zeebe:header")) {
      element.task_headers.emplace_back(header.attribute("key").value(),
                                        header.attribute("value").value());
    }
  }

  void ReadEventDefinition(pugi::xml_node node, Element& element) {
    pugi::xml_node definition;
    int count = 0;
    for (pugi::xml_node child : node.children()) {
      std::string_view local = BpmnLocalName(child);
      if (local == "eventDefinitionRef" || local == "cancelEventDefinition") {
        Problem(element, std::string(local) + " is not supported");
        continue;
      }
      for (const NamedKind& named : kEventDefinitionKinds) {
        if (named.local_name != local) continue;
        ++count;
        definition = child;
        element.event_kind = named.kind;
      }
    }
    if (count > 1) {
      Problem(element, "more than one event definition");
      return;
    }
    if (count == 0) return;
    switch (element.event_kind) {
      case EventKind::kMessage:
        if (!IsJobWorkerThrowEvent(element)) {
          ReadMessage(element, definition.attribute("messageRef").value(),
                      NeedsCorrelationKey(element));
        }
        break;
      case EventKind::kTimer: ReadTimer(definition, element); break;
      case EventKind::kError: ReadError(definition, element); break;
      default: break;
    }
  }

  // Message start events of a process start new instances and need no key;
  // every other message catch correlates into a running instance.
  bool NeedsCorrelationKey(const Element& element) const {
    if (element.type != ElementType::kStartEvent) return true;
    return element.parent &&
           process_->elements[*element.parent].type == ElementType::kEventSubProcess;
  }

  void ReadMessage(Element& element, std::string_view message_ref, bool needs_key) {
    message_ref = Trim(message_ref);
    if (message_ref.empty()) {
      Problem(element, "no message name (messageRef is missing)");
      return;
    }
    auto it = definitions_.messages.find(std::string(message_ref));
    if (it == definitions_.messages.end()) {
      Problem(element, "message '" + std::string(message_ref) + "' does not exist");
      return;
    }
    const MessageDefinition& message = it->second;
    if (Trim(message.name).empty()) {
      Problem(element, "message '" + std::string(message_ref) + "' has no name");
      return;
    }
    MessageSubscription subscription{Value(element, "message name", message.name), std::nullopt};
    if (needs_key) {
      if (!message.correlation_key || Trim(*message.correlation_key).empty()) {
        Problem(element, "no correlation key (zeebe:subscription correlationKey of message '" +
                             std::string(message_ref) + "')");
      } else {
        subscription.correlation_key = Value(element, "correlation key", *message.correlation_key);
      }
    }
    element.message = std::move(subscription);
  }

  void ReadTimer(pugi::xml_node definition, Element& element) {
    constexpr std::array<std::pair<std::string_view, TimerKind>, 3> kTimerKinds = {{
        {"bpmn:timeDate", TimerKind::kDate},
        {"bpmn:timeDuration", TimerKind::kDuration},
        {"bpmn:timeCycle", TimerKind::kCycle},
    }};
    int count = 0;
    for (const auto& [name, kind] : kTimerKinds) {
      pugi::xml_node value = definition.child(name.data());
      if (!value || Trim(value.text().get()).empty()) continue;
      ++count;
      element.timer = Timer{kind, Value(element, "timer", value.text().get())};
    }
    if (count == 0) {
      Problem(element, "timer has no definition (timeDate, timeDuration or timeCycle)");
    } else if (count > 1) {
      Problem(element, "timer has more than one of timeDate, timeDuration, timeCycle");
    }
  }

  void ReadError(pugi::xml_node definition, Element& element) {
    bool is_throw = element.type == ElementType::kEndEvent;
    std::string_view error_ref = Trim(definition.attribute("errorRef").value());
    ErrorReference reference;
    if (!error_ref.empty()) {
      auto it = definitions_.error_codes.find(std::string(error_ref));
      if (it == definitions_.error_codes.end()) {
        Problem(element, "error '" + std::string(error_ref) + "' does not exist");
      } else if (!Trim(it->second).empty()) {
        reference.code = Value(element, "error code", it->second);
      }
    }
    // A catch event without error code catches every error.
    if (is_throw && !reference.code) {
      Problem(element, "no error code (errorRef to a bpmn:error with errorCode)");
    }
    element.error = std::move(reference);
  }

  void CheckEventKind(Element& element) {
    bool in_event_sub_process =
        element.parent && process_->elements[*element.parent].type == ElementType::kEventSubProcess;
    switch (EventSupport(element.type, element.event_kind, in_event_sub_process)) {
      case Support::kSupported: break;
      case Support::kNotYet:
        element.unsupported =
            Describe(element) + ": " + std::string(EventKindName(element.event_kind)) + " " +
            std::string(ElementTypeName(element.type)) + "s are not supported yet";
        break;
      case Support::kInvalid:
        if (element.event_kind == EventKind::kNone) {
          Problem(element, "must have an event definition");
        } else if (element.event_kind == EventKind::kError && !in_event_sub_process) {
          Problem(element, "error start events are only allowed in event sub-processes");
        } else {
          Problem(element, std::string(EventKindName(element.event_kind)) + " " +
                               std::string(ElementTypeName(element.type)) + "s are not allowed");
        }
        break;
    }
    if (element.timer) CheckTimerKind(element, in_event_sub_process);
  }

  void CheckTimerKind(const Element& element, bool in_event_sub_process) {
    TimerKind kind = element.timer->kind;
    if (element.type == ElementType::kStartEvent && !in_event_sub_process &&
        kind == TimerKind::kDuration) {
      Problem(element, "a timer start event needs timeDate or timeCycle, not timeDuration");
    } else if (element.type == ElementType::kIntermediateCatchEvent && kind == TimerKind::kCycle) {
      Problem(element, "an intermediate timer needs timeDate or timeDuration, not timeCycle");
    }
  }

  void ReadTypeSpecifics(pugi::xml_node node, const Extensions& extensions, Element& element) {
    switch (element.type) {
      case ElementType::kServiceTask:
      case ElementType::kSendTask: ReadJob(extensions, element); break;
      case ElementType::kEndEvent:
      case ElementType::kIntermediateThrowEvent:
        if (IsJobWorkerThrowEvent(element)) ReadJob(extensions, element);
        break;
      case ElementType::kScriptTask: ReadScriptTask(extensions, element); break;
      case ElementType::kBusinessRuleTask: ReadBusinessRuleTask(extensions, element); break;
      case ElementType::kUserTask: ReadUserTask(extensions, element); break;
      case ElementType::kReceiveTask:
        ReadMessage(element, node.attribute("messageRef").value(), /*needs_key=*/true);
        break;
      case ElementType::kCallActivity: ReadCallActivity(extensions, element); break;
      case ElementType::kBoundaryEvent:
        element.interrupting = AttributeIsTrue(node.attribute("cancelActivity"), true);
        break;
      case ElementType::kStartEvent:
        element.interrupting = AttributeIsTrue(node.attribute("isInterrupting"), true);
        break;
      case ElementType::kAdHocSubProcess:
        element.unsupported = Describe(element) + ": ad-hoc sub-processes are not supported yet";
        break;
      default: break;
    }
  }

  void ReadJob(const Extensions& extensions, Element& element) {
    pugi::xml_node definition = Find(extensions, "taskDefinition");
    std::string_view type = Trim(definition.attribute("type").value());
    if (type.empty()) {
      Problem(element, "no job type (zeebe:taskDefinition type)");
      return;
    }
    pugi::xml_attribute retries = definition.attribute("retries");
    element.job = JobDefinition{
        Value(element, "job type", type),
        Value(element, "job retries", Trim(retries.value()).empty() ? "3" : retries.value())};
  }

  void ReadScriptTask(const Extensions& extensions, Element& element) {
    pugi::xml_node script = Find(extensions, "script");
    if (!script) {
      ReadJob(extensions, element);
      return;
    }
    if (Find(extensions, "taskDefinition")) {
      Problem(element, "has both zeebe:script and zeebe:taskDefinition");
    }
    std::string result_variable(Trim(script.attribute("resultVariable").value()));
    if (result_variable.empty())
      Problem(element, "no result variable (zeebe:script resultVariable)");
    element.script = Script{Expression(element, "script", script.attribute("expression").value()),
                            std::move(result_variable)};
  }

  void ReadBusinessRuleTask(const Extensions& extensions, Element& element) {
    pugi::xml_node decision = Find(extensions, "calledDecision");
    if (!decision) {
      ReadJob(extensions, element);
      return;
    }
    if (Find(extensions, "taskDefinition")) {
      Problem(element, "has both zeebe:calledDecision and zeebe:taskDefinition");
    }
    std::string_view decision_id = Trim(decision.attribute("decisionId").value());
    std::string result_variable(Trim(decision.attribute("resultVariable").value()));
    if (decision_id.empty()) Problem(element, "no decision (zeebe:calledDecision decisionId)");
    if (result_variable.empty()) {
      Problem(element, "no result variable (zeebe:calledDecision resultVariable)");
    }
    element.called_decision =
        CalledDecision{Value(element, "decision id", decision_id), std::move(result_variable)};
    element.unsupported = Describe(element) + ": calling a decision is not supported yet";
  }

  std::optional<ValueOrExpression> OptionalValue(const Element& element, pugi::xml_node node,
                                                 const char* attribute) {
    std::string_view raw = Trim(node.attribute(attribute).value());
    if (raw.empty()) return std::nullopt;
    return Value(element, attribute, raw);
  }

  void ReadUserTask(const Extensions& extensions, Element& element) {
    UserTaskDetails details;
    details.camunda_user_task = static_cast<bool>(Find(extensions, "userTask"));
    pugi::xml_node assignment = Find(extensions, "assignmentDefinition");
    details.assignee = OptionalValue(element, assignment, "assignee");
    details.candidate_groups = OptionalValue(element, assignment, "candidateGroups");
    details.candidate_users = OptionalValue(element, assignment, "candidateUsers");
    pugi::xml_node schedule = Find(extensions, "taskSchedule");
    details.due_date = OptionalValue(element, schedule, "dueDate");
    details.follow_up_date = OptionalValue(element, schedule, "followUpDate");
    details.priority = OptionalValue(element, Find(extensions, "priorityDefinition"), "priority");
    pugi::xml_node form = Find(extensions, "formDefinition");
    details.form_key = form.attribute("formKey").value();
    details.form_id = form.attribute("formId").value();
    details.external_reference = form.attribute("externalReference").value();
    if (!details.camunda_user_task) {
      element.job = JobDefinition{ValueOrExpression{kJobBasedUserTaskType, nullptr},
                                  ValueOrExpression{"1", nullptr}};
    }
    element.user_task = std::move(details);
  }

  void ReadCallActivity(const Extensions& extensions, Element& element) {
    pugi::xml_node called = Find(extensions, "calledElement");
    std::string_view process_id = Trim(called.attribute("processId").value());
    if (process_id.empty()) {
      Problem(element, "no called process (zeebe:calledElement processId)");
      return;
    }
    element.called_element =
        CalledElement{Value(element, "called process id", process_id),
                      AttributeIsTrue(called.attribute("propagateAllChildVariables"), true),
                      AttributeIsTrue(called.attribute("propagateAllParentVariables"), true)};
  }

  void ReadLoopCharacteristics(pugi::xml_node node, Element& element) {
    if (node.child("bpmn:standardLoopCharacteristics")) {
      Problem(element, "standard loops are not supported (use multi-instance)");
    }
    pugi::xml_node loop = node.child("bpmn:multiInstanceLoopCharacteristics");
    if (!loop) return;
    if (!IsActivity(element.type)) {
      Problem(element, "only activities can be multi-instance");
      return;
    }
    pugi::xml_node zeebe = loop.child("bpmn:extensionElements").child("zeebe:loopCharacteristics");
    std::string_view input_collection = Trim(zeebe.attribute("inputCollection").value());
    if (input_collection.empty()) {
      Problem(element, "multi-instance without inputCollection (zeebe:loopCharacteristics)");
      return;
    }
    MultiInstance multi_instance;
    multi_instance.sequential = AttributeIsTrue(loop.attribute("isSequential"), false);
    multi_instance.input_collection = Expression(element, "inputCollection", input_collection);
    multi_instance.input_element = Trim(zeebe.attribute("inputElement").value());
    multi_instance.output_collection = Trim(zeebe.attribute("outputCollection").value());
    std::string_view output_element = Trim(zeebe.attribute("outputElement").value());
    if (multi_instance.output_collection.empty() != output_element.empty()) {
      Problem(element, "multi-instance needs both outputCollection and outputElement, or neither");
    }
    if (!output_element.empty()) {
      multi_instance.output_element = Value(element, "outputElement", output_element);
    }
    pugi::xml_node completion = loop.child("bpmn:completionCondition");
    if (completion && !Trim(completion.text().get()).empty()) {
      multi_instance.completion_condition =
          Expression(element, "completionCondition", completion.text().get());
    }
    element.multi_instance = std::move(multi_instance);
  }

  void ResolveFlows() {
    for (const PendingFlow& pending : pending_flows_) {
      std::string id = pending.node.attribute("id").value();
      std::string described = "sequenceFlow '" + id + "'";
      if (id.empty()) {
        Problem(ScopeId(pending.scope),
                "sequenceFlow without id in '" + ScopeId(pending.scope) + "'");
        continue;
      }
      std::optional<ElementIndex> source =
          ResolveFlowEnd(pending, described, "sourceRef", "source");
      std::optional<ElementIndex> target =
          ResolveFlowEnd(pending, described, "targetRef", "target");
      if (!source || !target) continue;

      SequenceFlow flow;
      flow.id = std::move(id);
      flow.name = pending.node.attribute("name").value();
      flow.source = *source;
      flow.target = *target;
      pugi::xml_node condition = pending.node.child("bpmn:conditionExpression");
      if (condition && !Trim(condition.text().get()).empty()) {
        flow.condition = Expression(process_->elements[*source],
                                    "condition on flow '" + flow.id + "'", condition.text().get());
      }
      auto index = static_cast<FlowIndex>(process_->flows.size());
      process_->flow_by_id.emplace(flow.id, index);
      process_->elements[*source].outgoing.push_back(index);
      process_->elements[*target].incoming.push_back(index);
      process_->flows.push_back(std::move(flow));
    }
  }

  std::optional<ElementIndex> ResolveFlowEnd(const PendingFlow& pending,
                                             const std::string& described, const char* attribute,
                                             std::string_view role) {
    std::string_view ref = Trim(pending.node.attribute(attribute).value());
    std::string flow_id = pending.node.attribute("id").value();
    if (ref.empty()) {
      Problem(flow_id, described + ": no " + std::string(role) + " (" + attribute + ")");
      return std::nullopt;
    }
    std::optional<ElementIndex> end = process_->FindElement(ref);
    if (!end) {
      Problem(flow_id,
              described + ": " + std::string(role) + " '" + std::string(ref) + "' does not exist");
      return std::nullopt;
    }
    if (process_->elements[*end].parent != pending.scope) {
      Problem(flow_id, described + ": " + std::string(role) + " '" + std::string(ref) +
                           "' is not in the flow's scope '" + ScopeId(pending.scope) + "'");
      return std::nullopt;
    }
    return end;
  }

  void ResolveElementReferences() {
    for (ElementIndex index = 0; index < process_->elements.size(); ++index) {
      const PendingReferences& references = pending_references_[index];
      if (!references.default_flow.empty()) ResolveDefaultFlow(index, references.default_flow);
      if (process_->elements[index].type == ElementType::kBoundaryEvent) {
        ResolveAttachedTo(index, references.attached_to);
      }
      Element& element = process_->elements[index];
      if (element.type == ElementType::kInclusiveGateway && element.incoming.size() > 1) {
        element.unsupported = Describe(element) + ": inclusive gateway joins are not supported yet";
      }
    }
  }

  void ResolveDefaultFlow(ElementIndex index, const std::string& flow_id) {
    Element& element = process_->elements[index];
    std::optional<FlowIndex> flow = process_->FindFlow(flow_id);
    if (!flow) {
      Problem(element, "default flow '" + flow_id + "' does not exist");
    } else if (process_->flows[*flow].source != index) {
      Problem(element, "default flow '" + flow_id + "' does not start at this element");
    } else {
      element.default_flow = flow;
      process_->flows[*flow].is_default = true;
    }
  }

  void ResolveAttachedTo(ElementIndex index, const std::string& activity_id) {
    Element& boundary = process_->elements[index];
    if (activity_id.empty()) {
      Problem(boundary, "not attached to an activity (attachedToRef)");
      return;
    }
    std::optional<ElementIndex> activity = process_->FindElement(activity_id);
    if (!activity) {
      Problem(boundary, "attached to '" + activity_id + "', which does not exist");
    } else if (!IsActivity(process_->elements[*activity].type)) {
      Problem(boundary, "attached to '" + activity_id + "', which is not an activity");
    } else if (process_->elements[*activity].parent != boundary.parent) {
      Problem(boundary, "attached to '" + activity_id + "', which is in another scope");
    } else {
      boundary.attached_to = activity;
      process_->elements[*activity].boundary_events.push_back(index);
    }
  }

  const DefinitionsIndex& definitions_;
  ProblemList* problems_;
  std::shared_ptr<Process> process_;
  std::vector<PendingFlow> pending_flows_;
  std::vector<PendingReferences> pending_references_;  // parallel to process_->elements
};

}  // namespace

std::shared_ptr<Process> ReadProcess(pugi::xml_node process, const DefinitionsIndex& definitions,
                                     ProblemList* problems) {
  return ProcessReader(definitions, problems).Read(process);
}

}  // namespace waggle::bpmn
