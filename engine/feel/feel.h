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
// Numbers are doubles standing in for FEEL's decimals: results render with
// at most 15 significant digits (0.1 + 0.2 -> 0.3), and integral ones within
// int64 range as JSON integers (1 + 1 -> 2, not 2.0). Not supported: time
// values, zone ids ("@Europe/Berlin"), user-defined functions, named
// arguments, `instance of`.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
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

// Evaluates an expression. FEEL is null-friendly, as in feel-scala (Zeebe
// 8.3+): a missing variable or context entry, an operation on mismatched
// types (1 + "a", 1 < "a"), a built-in function given arguments of the wrong
// type (upper case(1)), division by zero, a failed conversion
// (date("nope")) all yield null, never an error. Equality is two-valued
// against null: null = null is true, 0 = null is false, so with loopAmount = 0
// and no totalLoops, `loopAmount != totalLoops` is true (SOURCES.md's note on
// zpt-looping-servicetask.bpmn); ordering against null (1 < null) is null.
// and/or use three-valued logic; if/filters/some/every treat a non-boolean
// condition as not true. Zeebe raises an incident when a result has the wrong
// type for its use (a condition that is not a boolean): that is the
// caller's check.
// Errors (kInvalidArgument with a reason), where this engine is stricter
// than feel-scala's null: a function that is not a built-in (a typo would
// otherwise pass silently), a built-in called with the wrong number of
// arguments, and the resource limits (a string over 1 MiB, a range over 10^6
// items, more than 10^6 evaluation steps, variables nested deeper than 200).
// Never throws.
Result<nlohmann::json> Evaluate(const Expression& expression, const EvalContext& context);

// The variable an expression reads when it is nothing but a variable or a
// path into one ("x", "x.y.z" -> "x"); nullopt for anything else. Zeebe uses
// this to give a multi-instance outputElement a local variable per instance.
std::optional<std::string> VariableNameOf(const Expression& expression);

}  // namespace waggle::feel
