#include "engine/feel/value.h"

#include <cmath>
#include <cstdio>

namespace waggle::feel {
namespace {

Result<Value> FromJsonAt(const nlohmann::json& json, int depth) {
  if (depth > kMaxValueDepth) {
    return Status::InvalidArgument("variables nest deeper than " + std::to_string(kMaxValueDepth) +
                                   " levels");
  }
  switch (json.type()) {
    case nlohmann::json::value_t::boolean: return Value(json.get<bool>());
    case nlohmann::json::value_t::number_integer:
      return Value(static_cast<double>(json.get<int64_t>()));
    case nlohmann::json::value_t::number_unsigned:
      return Value(static_cast<double>(json.get<uint64_t>()));
    case nlohmann::json::value_t::number_float: return Value(json.get<double>());
    case nlohmann::json::value_t::string: return Value(json.get<std::string>());
    case nlohmann::json::value_t::array: {
      List list;
      list.reserve(json.size());
      for (const auto& element : json) {
        auto item = FromJsonAt(element, depth + 1);
        if (!item.ok()) return item.status();
        list.push_back(std::move(item).value());
      }
      return Value::Of(std::move(list));
    }
    case nlohmann::json::value_t::object: {
      Context context;
      for (const auto& [key, element] : json.items()) {
        auto item = FromJsonAt(element, depth + 1);
        if (!item.ok()) return item.status();
        context.emplace(key, std::move(item).value());
      }
      return Value::Of(std::move(context));
    }
    default: return Value();  // null, binary, discarded
  }
}

std::string FormatRangeEnd(const std::shared_ptr<const Value>& end) {
  if (!end) return "";
  if (auto s = end->Get<std::string>()) return nlohmann::json(*s).dump();
  const nlohmann::json json = ToJson(*end);
  return json.is_string() ? "@" + json.dump() : json.dump();
}

template <typename T>
int Order(const T& a, const T& b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

}  // namespace

Result<Value> FromJson(const nlohmann::json& json) {
  return FromJsonAt(json, 0);
}

std::string FormatNumber(double number) {
  if (std::nearbyint(number) == number && std::fabs(number) < 1e15) {
    return std::to_string(static_cast<int64_t>(number));
  }
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%.15g", number);
  return buffer;
}

nlohmann::json ToJson(const Value& value) {
  struct Visitor {
    nlohmann::json operator()(std::monostate) const { return nullptr; }
    nlohmann::json operator()(bool b) const { return b; }
    nlohmann::json operator()(double d) const {
      // 2^63 is exactly representable; anything integral below it fits int64.
      if (std::nearbyint(d) == d && d >= -9.2233720368547758e18 && d < 9.2233720368547758e18) {
        return static_cast<int64_t>(d);
      }
      if (!std::isfinite(d)) return nullptr;
      // Rounding to 15 significant digits hides binary noise such as
      // 0.1 + 0.2 = 0.30000000000000004 that FEEL's decimals do not have.
      char buffer[40];
      std::snprintf(buffer, sizeof buffer, "%.15g", d);
      return std::strtod(buffer, nullptr);
    }
    nlohmann::json operator()(const std::string& s) const { return s; }
    nlohmann::json operator()(const std::shared_ptr<const List>& list) const {
      nlohmann::json array = nlohmann::json::array();
      for (const Value& element : *list) array.push_back(ToJson(element));
      return array;
    }
    nlohmann::json operator()(const std::shared_ptr<const Context>& context) const {
      nlohmann::json object = nlohmann::json::object();
      for (const auto& [key, element] : *context) object[key] = ToJson(element);
      return object;
    }
    nlohmann::json operator()(Date d) const { return FormatDate(d); }
    nlohmann::json operator()(DateTime d) const { return FormatDateTime(d); }
    nlohmann::json operator()(DayTimeDuration d) const { return FormatDayTimeDuration(d); }
    nlohmann::json operator()(YearMonthDuration d) const { return FormatYearMonthDuration(d); }
    nlohmann::json operator()(const Range& r) const {
      return (r.low_closed ? "[" : "]") + FormatRangeEnd(r.low) + ".." + FormatRangeEnd(r.high) +
             (r.high_closed ? "]" : "[");
    }
  };
  return std::visit(Visitor{}, value.data);
}

std::optional<bool> Equal(const Value& a, const Value& b) {
  if (a.IsNull() || b.IsNull()) return a.IsNull() && b.IsNull();
  if (a.data.index() != b.data.index()) return std::nullopt;
  if (auto x = a.Get<bool>()) return *x == *b.Get<bool>();
  if (const List* x = a.AsList()) {
    const List* y = b.AsList();
    if (x->size() != y->size()) return false;
    bool all_known = true;
    for (size_t i = 0; i < x->size(); ++i) {
      auto e = Equal((*x)[i], (*y)[i]);
      if (e == false) return false;
      all_known = all_known && e.has_value();
    }
    return all_known ? std::optional<bool>(true) : std::nullopt;
  }
  if (const Context* x = a.AsContext()) {
    const Context* y = b.AsContext();
    if (x->size() != y->size()) return false;
    bool all_known = true;
    for (const auto& [key, element] : *x) {
      auto it = y->find(key);
      if (it == y->end()) return false;
      auto e = Equal(element, it->second);
      if (e == false) return false;
      all_known = all_known && e.has_value();
    }
    return all_known ? std::optional<bool>(true) : std::nullopt;
  }
  if (auto x = a.Get<Range>()) {
    const Range* y = b.Get<Range>();
    auto ends_equal = [](const std::shared_ptr<const Value>& p,
                         const std::shared_ptr<const Value>& q) -> std::optional<bool> {
      if (!p || !q) return !p && !q;
      return Equal(*p, *q);
    };
    if (x->low_closed != y->low_closed || x->high_closed != y->high_closed) return false;
    auto low = ends_equal(x->low, y->low);
    auto high = ends_equal(x->high, y->high);
    if (low == false || high == false) return false;
    if (!low || !high) return std::nullopt;
    return true;
  }
  auto order = Compare(a, b);
  if (!order) return std::nullopt;
  return *order == 0;
}

std::optional<int> Compare(const Value& a, const Value& b) {
  if (a.data.index() != b.data.index()) return std::nullopt;
  if (auto x = a.Get<double>()) return Order(*x, *b.Get<double>());
  if (auto x = a.Get<std::string>()) return Order(*x, *b.Get<std::string>());
  if (auto x = a.Get<Date>()) return Order(x->days, b.Get<Date>()->days);
  if (auto x = a.Get<DayTimeDuration>()) return Order(x->millis, b.Get<DayTimeDuration>()->millis);
  if (auto x = a.Get<YearMonthDuration>()) {
    return Order(x->months, b.Get<YearMonthDuration>()->months);
  }
  if (auto x = a.Get<DateTime>()) {
    const DateTime* y = b.Get<DateTime>();
    if (x->has_offset != y->has_offset) return std::nullopt;
    return x->has_offset ? Order(x->EpochMillis(), y->EpochMillis())
                         : Order(x->local_millis, y->local_millis);
  }
  return std::nullopt;
}

}  // namespace waggle::feel
