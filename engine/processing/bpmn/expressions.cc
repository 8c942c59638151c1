#include "engine/processing/bpmn/expressions.h"

#include <charconv>
#include <cmath>

namespace waggle::engine {

using nlohmann::json;

namespace {

std::string TypeName(const json& value) {
  switch (value.type()) {
    case json::value_t::null: return "NULL";
    case json::value_t::boolean: return "BOOLEAN";
    case json::value_t::string: return "STRING";
    case json::value_t::array: return "ARRAY";
    case json::value_t::object: return "OBJECT";
    default: return "NUMBER";
  }
}

Status WrongType(const bpmn::ValueOrExpression& value, const char* expected, const json& result) {
  return Status::InvalidArgument("Expected result of the expression '" + value.text + "' to be '" +
                                 expected + "', but was '" + TypeName(result) + "'.");
}

}  // namespace

Result<json> Expressions::Evaluate(const bpmn::ValueOrExpression& value,
                                   const json& variables) const {
  if (!value.is_expression()) return json(value.text);
  feel::EvalContext eval{&variables, context_.now()};
  Result<json> result = feel::Evaluate(*value.expression, eval);
  if (!result.ok()) {
    return Status::InvalidArgument("failed to evaluate expression '" + value.text +
                                   "': " + result.status().message());
  }
  return result;
}

Result<json> Expressions::Evaluate(const bpmn::ValueOrExpression& value, int64_t scope_key) const {
  if (!value.is_expression()) return json(value.text);
  json variables = variables_.Visible(scope_key);
  return Evaluate(value, variables);
}

Result<std::string> Expressions::EvaluateString(const bpmn::ValueOrExpression& value,
                                                int64_t scope_key) const {
  Result<json> result = Evaluate(value, scope_key);
  if (!result.ok()) return result.status();
  if (!result->is_string()) return WrongType(value, "STRING", *result);
  return result->get<std::string>();
}

Result<int64_t> Expressions::EvaluateInteger(const bpmn::ValueOrExpression& value,
                                             int64_t scope_key) const {
  if (!value.is_expression()) {
    int64_t number = 0;
    const char* end = value.text.data() + value.text.size();
    auto [ptr, ec] = std::from_chars(value.text.data(), end, number);
    if (ec != std::errc() || ptr != end) {
      return Status::InvalidArgument("Expected '" + value.text + "' to be a number");
    }
    return number;
  }
  Result<json> result = Evaluate(value, scope_key);
  if (!result.ok()) return result.status();
  if (!result->is_number()) return WrongType(value, "NUMBER", *result);
  return static_cast<int64_t>(std::llround(result->get<double>()));
}

Result<json> Expressions::EvaluateArray(const bpmn::ValueOrExpression& value,
                                        int64_t scope_key) const {
  Result<json> result = Evaluate(value, scope_key);
  if (!result.ok()) return result.status();
  if (!result->is_array()) return WrongType(value, "ARRAY", *result);
  return result;
}

Result<bool> Expressions::EvaluateBoolean(const bpmn::ValueOrExpression& value,
                                          const json& variables) const {
  Result<json> result = Evaluate(value, variables);
  if (!result.ok()) return result.status();
  if (!result->is_boolean()) return WrongType(value, "BOOLEAN", *result);
  return result->get<bool>();
}

}  // namespace waggle::engine
