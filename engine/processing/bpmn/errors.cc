// BPMN errors, as Zeebe handles them. An error is thrown by an error end
// event or by a job's worker (JOB THROW_ERROR) and caught by an error
// boundary event or the error start event of an event sub-process, both
// interrupting. The search (Zeebe's CatchEventAnalyzer) walks from the
// thrower outward through the flow scopes, and from a called process on to
// the call activity that called it and its scopes; it stops at a scope an
// event sub-process interrupted. Within one element instance the catch
// events with a code come before catch-all ones (no errorRef, or an error
// without errorCode); among equal ones, event sub-processes before boundary
// events. The catch goes through TriggerEvent; an error nothing catches
// raises an UNHANDLED_ERROR_EVENT incident with Zeebe's message.
#include <algorithm>

#include "common/record/intent.h"
#include "engine/processing/bpmn/bpmn_processor.h"

namespace waggle::engine {

using bpmn::ElementType;
using bpmn::EventKind;
using record::ProcessInstanceIntent;
using record::fb::ErrorType;

namespace {

// The code an error catch event catches: "" catches every error. A code
// written as an expression (Zeebe rejects those on catch events) catches
// nothing.
std::optional<std::string> CaughtCode(const bpmn::Element& event) {
  if (!event.error || !event.error->code) return std::string();
  if (event.error->code->is_expression()) return std::nullopt;
  return event.error->code->text;
}

bool IsActive(const state::fb::ElementInstanceT& instance) {
  return instance.state == record::IntentCode(ProcessInstanceIntent::kElementActivated);
}

}  // namespace

std::vector<const bpmn::Element*> BpmnProcessor::ErrorCatchEventsOf(
    const Instance& instance) const {
  std::vector<const bpmn::Element*> events;
  const bpmn::Process& model = *instance.process->model;
  // A multi-instance activity's event sub-processes belong to its inner
  // instances, its boundary events to its body.
  if (!instance.is_body()) {
    const auto& children =
        instance.element == nullptr ? model.children : instance.element->children;
    for (auto it = children.rbegin(); it != children.rend(); ++it) {
      if (model.elements[*it].type != ElementType::kEventSubProcess) continue;
      auto start = model.StartEventOf(model.elements[*it]);
      if (start && model.elements[*start].event_kind == EventKind::kError) {
        events.push_back(&model.elements[*start]);
      }
    }
  }
  if (instance.element != nullptr && !instance.is_inner()) {
    for (bpmn::ElementIndex index : instance.element->boundary_events) {
      if (model.elements[index].event_kind == EventKind::kError) {
        events.push_back(&model.elements[index]);
      }
    }
  }
  return events;
}

Result<BpmnProcessor::ErrorCatch> BpmnProcessor::FindErrorCatch(int64_t key,
                                                                const std::string& code,
                                                                const std::string& message) {
  std::vector<std::string> available;
  std::optional<Instance> instance = Load(key);
  while (instance && IsActive(instance->stored)) {
    const int64_t call_activity_key = instance->value().parent_element_instance_key;
    for (std::optional<Instance> scope = std::move(instance);
         scope && IsActive(scope->stored) &&
         InterruptingEventSubProcessStart(*scope->process->model, scope->stored) == nullptr;
         scope = Load(scope->value().flow_scope_key)) {
      std::vector<std::pair<std::string, const bpmn::Element*>> events;
      for (const bpmn::Element* event : ErrorCatchEventsOf(*scope)) {
        if (auto caught = CaughtCode(*event)) events.emplace_back(std::move(*caught), event);
      }
      // Zeebe sorts by code, descending: catch-all ("") last.
      std::stable_sort(events.begin(), events.end(),
                       [](const auto& a, const auto& b) { return a.first > b.first; });
      for (const auto& [caught, event] : events) {
        available.push_back(caught);
        if (caught.empty() || caught == code) return ErrorCatch{scope->key, event->id};
      }
    }
    instance = Load(call_activity_key);
  }
  std::string reason = "Expected to throw an error event with the code '" + code + "'";
  if (!message.empty()) reason += " with message '" + message + "'";
  reason += ", but it was not caught.";
  if (available.empty()) {
    reason += " No error events are available in the scope.";
  } else {
    reason += " Available error events are [";
    for (size_t i = 0; i < available.size(); ++i) {
      reason += (i > 0 ? ", " : "") + available[i];
    }
    reason += "]";
  }
  return Status::NotFound(std::move(reason));
}

void BpmnProcessor::ThrowError(Instance& instance) {
  const bpmn::Element& element = *instance.element;
  std::string code;
  if (element.error && element.error->code) {
    Result<std::string> evaluated = expressions_.EvaluateString(*element.error->code, instance.key);
    if (!evaluated.ok()) {
      return Incident(instance, ErrorType::EXTRACT_VALUE_ERROR, evaluated.status().message());
    }
    code = std::move(*evaluated);
  }
  // The end event cannot catch its own error: the search starts at its
  // flow scope.
  Result<ErrorCatch> caught = FindErrorCatch(instance.value().flow_scope_key, code, "");
  if (!caught.ok()) {
    return Incident(instance, ErrorType::UNHANDLED_ERROR_EVENT, caught.status().message());
  }
  // It stays activated until the catch terminates its scope.
  Write(instance, ProcessInstanceIntent::kElementActivated);
  if (AcceptsEvent(caught->scope_key, caught->event_id)) {
    TriggerEvent(caught->scope_key, caught->event_id, "");
  }
}

}  // namespace waggle::engine
