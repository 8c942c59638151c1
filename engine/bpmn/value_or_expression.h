// A Zeebe attribute or element value: static text, or, when written with a
// leading '=', a FEEL expression parsed once at deployment.
#pragma once

#include <memory>
#include <string>

#include "engine/feel/feel.h"

namespace waggle::bpmn {

struct ValueOrExpression {
  // The static value, or the expression text without its leading '='.
  std::string text;
  // The parsed expression; null for a static value.
  std::shared_ptr<const feel::Expression> expression;

  bool is_expression() const { return expression != nullptr; }
};

}  // namespace waggle::bpmn
