// The built-in functions of FEEL that Zeebe models use: string, number, list,
// temporal and conversion functions. `is defined` is not here: it looks at
// its argument's syntax, so the evaluator implements it.
#pragma once

#include <string_view>
#include <vector>

#include "common/status.h"
#include "engine/feel/feel.h"
#include "engine/feel/value.h"

namespace waggle::feel {

// What a built-in may read besides its arguments.
struct CallEnvironment {
  const EvalContext& context;
  // State of the deterministic generator behind random number(), seeded
  // from the record timestamp so that a replay computes the same values.
  uint64_t& random_state;
};

// Following feel-scala, a built-in called with arguments of the wrong type
// returns null. Errors are reserved for resource limits.
using BuiltinFunction = Result<Value> (*)(CallEnvironment& env, const std::vector<Value>& args);

struct BuiltinSpec {
  std::string_view name;
  int min_args;
  int max_args;  // kVariadic: any number from min_args on
  BuiltinFunction function;
};
inline constexpr int kVariadic = -1;

// The built-in named `name`, or nullptr.
const BuiltinSpec* FindBuiltin(std::string_view name);

// Strings longer than this are refused (kInvalidArgument) rather than built.
inline constexpr size_t kMaxStringLength = 1 << 20;

// How string(x) prints a value: strings as they are, numbers without
// trailing zeros, lists and contexts in FEEL syntax.
std::string ToFeelString(const Value& value);

}  // namespace waggle::feel
