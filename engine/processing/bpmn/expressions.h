// Evaluates the values of a model (ValueOrExpression) for one element
// instance: static text as is, FEEL against the variables visible from a
// scope, with the command's timestamp as now(). A failure returns a message
// fit for an incident, in Zeebe's words.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/bpmn/value_or_expression.h"
#include "engine/processing/bpmn/variables.h"

namespace waggle::engine {

class Expressions {
 public:
  Expressions(ProcessingContext& context, const Variables& variables)
      : context_(context), variables_(variables) {}

  // A static value evaluates to a JSON string.
  Result<nlohmann::json> Evaluate(const bpmn::ValueOrExpression& value, int64_t scope_key) const;
  Result<nlohmann::json> Evaluate(const bpmn::ValueOrExpression& value,
                                  const nlohmann::json& variables) const;

  Result<std::string> EvaluateString(const bpmn::ValueOrExpression& value, int64_t scope_key) const;
  Result<int64_t> EvaluateInteger(const bpmn::ValueOrExpression& value, int64_t scope_key) const;
  // A list, as multi-instance input collections must be.
  Result<nlohmann::json> EvaluateArray(const bpmn::ValueOrExpression& value,
                                       int64_t scope_key) const;
  Result<bool> EvaluateBoolean(const bpmn::ValueOrExpression& value,
                               const nlohmann::json& variables) const;

 private:
  ProcessingContext& context_;
  const Variables& variables_;
};

}  // namespace waggle::engine
