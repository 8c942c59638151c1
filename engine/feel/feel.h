// FEEL (Friendly Enough Expression Language), the subset Zeebe models use:
// Parse once when a process is deployed, Evaluate per element activation.
//
// Semantics follow Camunda's feel-scala engine (DMN 1.3 FEEL). Values map to
// JSON: number, string, boolean, null, list -> array, context -> object.
// Temporal values (date, date and time, days-time duration, years-months
// duration) carry a type internally while an expression is evaluated and
// render to JSON as ISO-8601 strings: "2024-01-02", "2024-01-02T03:04:05Z",
// "PT5S", "P1Y2M". A JSON string read from a variable stays a string; use
// date(s), date and time(s) or duration(s) to turn it into a temporal value.
// Integral numbers within int64 range render as JSON integers (1 + 1 -> 2).
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace waggle::feel {

// An immutable parsed expression (an AST), cheap to share between threads
// and process versions.
class Expression;

// Longest expression text Parse accepts, and deepest nesting it accepts.
inline constexpr size_t kMaxExpressionLength = 64 * 1024;
inline constexpr int kMaxNestingDepth = 200;

// Parses FEEL text, WITHOUT the leading '=' that Zeebe uses to mark an
// expression. Errors: kInvalidArgument with a message saying what went wrong
// and where ("column N").
Result<std::shared_ptr<const Expression>> Parse(std::string_view text);

// What an evaluation may read.
struct EvalContext {
  // A JSON object whose members are the visible variables; may be null (no
  // variables). A variable that is not there evaluates to null.
  const nlohmann::json* variables = nullptr;
  // The record timestamp, milliseconds since the Unix epoch, for now() and
  // today(): evaluation never reads a clock.
  int64_t now_millis = 0;
};

// Evaluates an expression. Where FEEL yields null (a missing variable,
// arithmetic on null or on mismatched types) the result is JSON null; where
// Zeebe raises an incident (an unknown function, wrong arguments to a built-in
// function, a non-boolean condition in if/and/or filters stays null as in
// feel-scala) the result is kInvalidArgument with a reason. Never throws.
Result<nlohmann::json> Evaluate(const Expression& expression, const EvalContext& context);

}  // namespace waggle::feel
