#include "engine/bpmn/process.h"

namespace waggle::bpmn {

std::optional<ElementIndex> Process::FindElement(std::string_view element_id) const {
  auto it = element_by_id.find(std::string(element_id));
  if (it == element_by_id.end()) return std::nullopt;
  return it->second;
}

std::optional<FlowIndex> Process::FindFlow(std::string_view flow_id) const {
  auto it = flow_by_id.find(std::string(flow_id));
  if (it == flow_by_id.end()) return std::nullopt;
  return it->second;
}

std::optional<ElementIndex> Process::NoneStartEvent() const {
  for (ElementIndex index : children) {
    const Element& element = elements[index];
    if (element.type == ElementType::kStartEvent && element.event_kind == EventKind::kNone) {
      return index;
    }
  }
  return std::nullopt;
}

std::optional<ElementIndex> Process::StartEventOf(const Element& event_sub_process) const {
  for (ElementIndex index : event_sub_process.children) {
    if (elements[index].type == ElementType::kStartEvent) return index;
  }
  return std::nullopt;
}

bool Process::StartsEventSubProcess(const Element& element) const {
  return element.type == ElementType::kStartEvent && element.parent &&
         elements[*element.parent].type == ElementType::kEventSubProcess;
}

}  // namespace waggle::bpmn
