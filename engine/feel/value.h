// The values a FEEL expression computes with, and how they map to JSON.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "engine/feel/temporal.h"

namespace waggle::feel {

struct Value;
using List = std::vector<Value>;
// Contexts render to JSON objects, whose keys nlohmann keeps sorted, so an
// ordered map loses nothing.
using Context = std::map<std::string, Value, std::less<>>;

// An interval such as [1..10] or ]a..b[; either end may be missing (the
// unary test "< 5" is the range with no low end).
struct Range {
  std::shared_ptr<const Value> low;   // null pointer: unbounded
  std::shared_ptr<const Value> high;  // null pointer: unbounded
  bool low_closed = true;
  bool high_closed = true;
};

struct Value {
  // Lists and contexts are shared and never modified once built, so copying
  // a Value is cheap.
  std::variant<std::monostate, bool, double, std::string, std::shared_ptr<const List>,
               std::shared_ptr<const Context>, Date, DateTime, DayTimeDuration, YearMonthDuration,
               Range>
      data;

  Value() = default;
  template <typename T>
  Value(T v) : data(std::move(v)) {}  // NOLINT: implicit by design
  static Value Of(List list) { return Value(std::make_shared<const List>(std::move(list))); }
  static Value Of(Context context) {
    return Value(std::make_shared<const Context>(std::move(context)));
  }

  bool IsNull() const { return std::holds_alternative<std::monostate>(data); }
  template <typename T>
  bool Is() const {
    return std::holds_alternative<T>(data);
  }
  template <typename T>
  const T* Get() const {
    return std::get_if<T>(&data);
  }
  const List* AsList() const {
    auto p = Get<std::shared_ptr<const List>>();
    return p ? p->get() : nullptr;
  }
  const Context* AsContext() const {
    auto p = Get<std::shared_ptr<const Context>>();
    return p ? p->get() : nullptr;
  }
};

// JSON nests at most this deep when read into or written from a Value.
inline constexpr int kMaxValueDepth = 200;

// A JSON document as a FEEL value. Numbers become doubles (integers beyond
// 2^53 lose precision); strings stay strings, even when they look like dates.
// Errors: kInvalidArgument when the document nests deeper than kMaxValueDepth.
Result<Value> FromJson(const nlohmann::json& json);

// A FEEL value as JSON: see feel.h for the mapping. A range renders as its
// FEEL text, e.g. "[1..10]".
nlohmann::json ToJson(const Value& value);

// A number as FEEL prints it (string(x)): integers without a decimal point,
// others with at most 15 significant digits ("0.1 + 0.2" prints "0.3").
std::string FormatNumber(double number);

// FEEL equality: null equals only null; values of different types are not
// comparable (nullopt, which FEEL turns into null); lists and contexts compare
// element-wise.
std::optional<bool> Equal(const Value& a, const Value& b);

// FEEL ordering of two values of the same ordered type (numbers, strings,
// dates, date-times of the same kind, durations of the same kind): negative,
// zero or positive; nullopt when they are not comparable.
std::optional<int> Compare(const Value& a, const Value& b);

}  // namespace waggle::feel
