// A sequence flow between two elements of the same scope.
#pragma once

#include <optional>
#include <string>

#include "engine/bpmn/element.h"
#include "engine/bpmn/value_or_expression.h"

namespace waggle::bpmn {

struct SequenceFlow {
  std::string id;
  std::string name;
  ElementIndex source = 0;
  ElementIndex target = 0;
  // conditionExpression; always an expression when present.
  std::optional<ValueOrExpression> condition;
  // The source's default flow.
  bool is_default = false;
};

}  // namespace waggle::bpmn
