#include "engine/bpmn/element.h"

namespace waggle::bpmn {

std::string Describe(const Element& element) {
  std::string described;
  if (element.event_kind != EventKind::kNone) {
    described = std::string(EventKindName(element.event_kind)) + " ";
  }
  return described + std::string(ElementTypeName(element.type)) + " '" + element.id + "'";
}

}  // namespace waggle::bpmn
