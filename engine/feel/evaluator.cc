// Evaluates a parsed Expression (Evaluate from feel.h): a recursive walk of
// the tree, with FEEL's null-friendly semantics.
#include <cmath>

#include "engine/feel/ast.h"
#include "engine/feel/builtins.h"
#include "engine/feel/value.h"

namespace waggle::feel {
namespace {

// Work one evaluation may do, in node visits plus list elements and string
// bytes built: bounds time and memory for inputs like nested for loops.
constexpr int64_t kEvaluationBudget = 1'000'000;
// Longest list a range or iteration may produce.
constexpr double kMaxListLength = 1'000'000;
// Temporal arithmetic stays within about +-100,000 years of 1970.
constexpr int64_t kMaxTemporalMillis = int64_t{100'000} * 366 * kMillisPerDay;

// Local names: iteration variables, a filter's item, the entries of a
// context literal seen so far. Frames live on the C++ stack.
struct Scope {
  const Scope* parent = nullptr;
  std::string_view name;  // with `value`: one binding
  const Value* value = nullptr;
  const Context* fields = nullptr;  // otherwise: every entry is a binding
};

bool TemporalInRange(int64_t millis) {
  return millis > -kMaxTemporalMillis && millis < kMaxTemporalMillis;
}

Value Number(double n) {
  return std::isfinite(n) ? Value(n) : Value();
}

std::optional<int64_t> CheckedAdd(int64_t a, int64_t b) {
  int64_t sum;
  if (__builtin_add_overflow(a, b, &sum) || !TemporalInRange(sum)) return std::nullopt;
  return sum;
}

// A duration scaled by a number, or nullopt when out of range.
std::optional<int64_t> Scale(int64_t amount, double factor) {
  const double scaled = std::nearbyint(static_cast<double>(amount) * factor);
  if (!std::isfinite(scaled) || std::fabs(scaled) >= static_cast<double>(kMaxTemporalMillis)) {
    return std::nullopt;
  }
  return static_cast<int64_t>(scaled);
}

template <typename T>
Value IfPresent(std::optional<T> v) {
  return v ? Value(*v) : Value();
}

// A duration of type D with the amount, or null when there is none.
template <typename D>
Value DurationOf(std::optional<int64_t> amount) {
  return amount ? Value(D{*amount}) : Value();
}

std::optional<DateTime> Shift(DateTime t, int64_t millis) {
  auto local = CheckedAdd(t.local_millis, millis);
  if (!local) return std::nullopt;
  t.local_millis = *local;
  return t;
}

std::optional<DateTime> ShiftMonths(DateTime t, int64_t months) {
  if (std::llabs(months) > 12 * 100'000) return std::nullopt;
  DateTime shifted = AddMonths(t, months);
  if (!TemporalInRange(shifted.local_millis)) return std::nullopt;
  return shifted;
}

// + and - on any pair of values; null where FEEL defines no result.
Value AddOrSubtract(const Value& a, const Value& b, bool subtract) {
  const int sign = subtract ? -1 : 1;
  if (auto x = a.Get<double>()) {
    if (auto y = b.Get<double>()) return Number(subtract ? *x - *y : *x + *y);
    return Value();
  }
  if (auto x = a.Get<std::string>()) {
    auto y = b.Get<std::string>();
    if (subtract || !y) return Value();
    return Value(*x + *y);
  }
  if (auto x = a.Get<DayTimeDuration>()) {
    if (auto y = b.Get<DayTimeDuration>()) {
      return DurationOf<DayTimeDuration>(CheckedAdd(x->millis, sign * y->millis));
    }
    if (!subtract) {  // duration + date-time commutes
      if (b.Is<DateTime>() || b.Is<Date>()) return AddOrSubtract(b, a, false);
    }
    return Value();
  }
  if (auto x = a.Get<YearMonthDuration>()) {
    if (auto y = b.Get<YearMonthDuration>()) {
      return DurationOf<YearMonthDuration>(CheckedAdd(x->months, sign * y->months));
    }
    if (!subtract && (b.Is<DateTime>() || b.Is<Date>())) return AddOrSubtract(b, a, false);
    return Value();
  }
  if (auto x = a.Get<DateTime>()) {
    if (auto d = b.Get<DayTimeDuration>()) return IfPresent(Shift(*x, sign * d->millis));
    if (auto d = b.Get<YearMonthDuration>()) return IfPresent(ShiftMonths(*x, sign * d->months));
    if (auto y = b.Get<DateTime>(); y && subtract && x->has_offset == y->has_offset) {
      const int64_t from = x->has_offset ? x->EpochMillis() : x->local_millis;
      const int64_t to = y->has_offset ? y->EpochMillis() : y->local_millis;
      return Value(DayTimeDuration{from - to});
    }
    return Value();
  }
  if (auto x = a.Get<Date>()) {
    // A date shifted by a duration stays a date (feel-scala).
    if (b.Is<DayTimeDuration>() || b.Is<YearMonthDuration>()) {
      Value shifted = AddOrSubtract(Value(StartOfDay(*x)), b, subtract);
      if (auto t = shifted.Get<DateTime>()) return Value(DateOf(*t));
      return Value();
    }
    if (auto y = b.Get<Date>(); y && subtract) {
      return Value(DayTimeDuration{(x->days - y->days) * kMillisPerDay});
    }
  }
  return Value();
}

Value MultiplyOrDivide(const Value& a, const Value& b, bool divide) {
  auto x = a.Get<double>();
  auto y = b.Get<double>();
  if (x && y) {
    if (divide && *y == 0) return Value();
    return Number(divide ? *x / *y : *x * *y);
  }
  if (y && divide && *y == 0) return Value();
  const double factor = y ? (divide ? 1 / *y : *y) : 0;
  if (auto d = a.Get<DayTimeDuration>()) {
    if (y) return DurationOf<DayTimeDuration>(Scale(d->millis, factor));
    if (auto e = b.Get<DayTimeDuration>(); e && divide && e->millis != 0) {
      return Value(static_cast<double>(d->millis) / static_cast<double>(e->millis));
    }
  }
  if (auto d = a.Get<YearMonthDuration>()) {
    if (y) return DurationOf<YearMonthDuration>(Scale(d->months, factor));
    if (auto e = b.Get<YearMonthDuration>(); e && divide && e->months != 0) {
      return Value(static_cast<double>(d->months) / static_cast<double>(e->months));
    }
  }
  if (x && !divide && (b.Is<DayTimeDuration>() || b.Is<YearMonthDuration>())) {
    return MultiplyOrDivide(b, a, false);
  }
  return Value();
}

Value ApplyComparison(std::string_view op, const Value& a, const Value& b) {
  if (op == "=" || op == "!=") {
    auto equal = Equal(a, b);
    if (!equal) return Value();
    return Value(op == "=" ? *equal : !*equal);
  }
  auto order = Compare(a, b);
  if (!order) return Value();
  if (op == "<") return Value(*order < 0);
  if (op == "<=") return Value(*order <= 0);
  if (op == ">") return Value(*order > 0);
  return Value(*order >= 0);
}

// Whether `value` lies in `range`; null when the ends are not comparable.
Value InRange(const Value& value, const Range& range) {
  bool inside = true;
  if (range.low) {
    auto order = Compare(value, *range.low);
    if (!order) return Value();
    inside = inside && (range.low_closed ? *order >= 0 : *order > 0);
  }
  if (range.high) {
    auto order = Compare(value, *range.high);
    if (!order) return Value();
    inside = inside && (range.high_closed ? *order <= 0 : *order < 0);
  }
  return Value(inside);
}

// Three-valued logic: a non-boolean operand counts as null.
std::optional<bool> AsLogical(const Value& v) {
  if (auto b = v.Get<bool>()) return *b;
  return std::nullopt;
}

class Evaluator {
 public:
  explicit Evaluator(const EvalContext& context)
      : context_(context),
        random_state_(static_cast<uint64_t>(context.now_millis)),
        environment_{context, random_state_} {}

  Result<Value> Eval(const Node& node, const Scope* scope) {
    if (Status s = Charge(1); !s.ok()) return s;
    switch (node.kind) {
      case NodeKind::kNull: return Value();
      case NodeKind::kBoolean: return Value(node.flag);
      case NodeKind::kNumber: return Value(node.number);
      case NodeKind::kString: return Value(node.text);
      case NodeKind::kTemporal: return Temporal(node.text);
      case NodeKind::kName:
      case NodeKind::kPath: {
        auto found = Lookup(node, scope);
        if (!found.ok()) return found.status();
        return found.value().value_or(Value());
      }
      case NodeKind::kList: return ListLiteral(node, scope);
      case NodeKind::kContext: return ContextLiteral(node, scope);
      case NodeKind::kRange: return RangeLiteral(node, scope);
      case NodeKind::kFilter: return Filter(node, scope);
      case NodeKind::kCall: return Call(node, scope);
      case NodeKind::kNegate: {
        auto operand = Eval(*node.children[0], scope);
        if (!operand.ok()) return operand;
        return MultiplyOrDivide(operand.value(), Value(-1.0), false);
      }
      case NodeKind::kArithmetic: return Arithmetic(node, scope);
      case NodeKind::kComparison: {
        auto a = Eval(*node.children[0], scope);
        if (!a.ok()) return a;
        auto b = Eval(*node.children[1], scope);
        if (!b.ok()) return b;
        return ApplyComparison(node.text, a.value(), b.value());
      }
      case NodeKind::kAnd:
      case NodeKind::kOr: return Logical(node, scope);
      case NodeKind::kBetween: return Between(node, scope);
      case NodeKind::kIn: return In(node, scope);
      case NodeKind::kUnaryTest: break;  // only inside kIn
      case NodeKind::kIf: {
        auto condition = Eval(*node.children[0], scope);
        if (!condition.ok()) return condition;
        const bool taken = AsLogical(condition.value()) == true;
        return Eval(*node.children[taken ? 1 : 2], scope);
      }
      case NodeKind::kFor:
      case NodeKind::kSome:
      case NodeKind::kEvery: return Iterate(node, scope);
    }
    return Status::InvalidArgument("unexpected expression node");
  }

 private:
  Status Charge(int64_t units) {
    spent_ += units;
    if (spent_ <= kEvaluationBudget) return Status::OK();
    return Status::InvalidArgument("evaluation exceeded its work limit of " +
                                   std::to_string(kEvaluationBudget) + " steps");
  }

  Result<Value> Temporal(const std::string& text) {
    if (auto v = ParseDateTime(text)) return Value(*v);
    if (auto v = ParseDate(text)) return Value(*v);
    if (auto v = ParseDayTimeDuration(text)) return Value(*v);
    if (auto v = ParseYearMonthDuration(text)) return Value(*v);
    return Value();
  }

  // A name or a path, or nullopt when it does not exist (what `is defined`
  // tells apart from a null value).
  Result<std::optional<Value>> Lookup(const Node& node, const Scope* scope) {
    if (const nlohmann::json* json = nullptr; RootPath(node, scope, &json)) {
      if (!json) return std::optional<Value>();
      auto value = FromJson(*json);
      if (!value.ok()) return value.status();
      if (Status s = Charge(1); !s.ok()) return s;
      return std::optional<Value>(std::move(value).value());
    }
    if (node.kind == NodeKind::kName) {
      for (const Scope* s = scope; s; s = s->parent) {
        if (s->fields) {
          auto it = s->fields->find(node.text);
          if (it != s->fields->end()) return std::optional<Value>(it->second);
        } else if (s->name == node.text) {
          return std::optional<Value>(*s->value);
        }
      }
      return std::optional<Value>();  // RootPath covers the variables
    }
    if (node.kind != NodeKind::kPath) {
      auto value = Eval(node, scope);
      if (!value.ok()) return value.status();
      return std::optional<Value>(std::move(value).value());
    }
    auto base = Lookup(*node.children[0], scope);
    if (!base.ok() || !base.value()) return base;
    return Member(*base.value(), node.text);
  }

  // Whether `node` is a path of names from a variable (not a local name),
  // which then reads the JSON directly instead of converting every variable
  // on the way. *json is the JSON found, or nullptr if some step is missing.
  bool RootPath(const Node& node, const Scope* scope, const nlohmann::json** json) const {
    if (node.kind == NodeKind::kName) {
      for (const Scope* s = scope; s; s = s->parent) {
        if (s->fields ? s->fields->count(node.text) > 0 : s->name == node.text) return false;
      }
      *json = nullptr;
      const nlohmann::json* variables = context_.variables;
      if (variables && variables->is_object()) {
        auto it = variables->find(node.text);
        if (it != variables->end()) *json = &*it;
      }
      return true;
    }
    if (node.kind != NodeKind::kPath) return false;
    const nlohmann::json* base = nullptr;
    if (!RootPath(*node.children[0], scope, &base)) return false;
    if (!base) return true;                // already missing
    if (!base->is_object()) return false;  // e.g. a path over a list maps
    auto it = base->find(node.text);
    *json = it == base->end() ? nullptr : &*it;
    return true;
  }

  // value.name: a context entry; over a list, the entry of every element;
  // over temporal values, their fields.
  Result<std::optional<Value>> Member(const Value& value, const std::string& name) {
    if (const Context* context = value.AsContext()) {
      auto it = context->find(name);
      if (it == context->end()) return std::optional<Value>();
      return std::optional<Value>(it->second);
    }
    if (const List* list = value.AsList()) {
      if (Status s = Charge(static_cast<int64_t>(list->size())); !s.ok()) return s;
      List mapped;
      for (const Value& element : *list) {
        auto member = Member(element, name);
        if (!member.ok()) return member.status();
        mapped.push_back(member.value().value_or(Value()));
      }
      return std::optional<Value>(Value::Of(std::move(mapped)));
    }
    return TemporalMember(value, name);
  }

  std::optional<Value> TemporalMember(const Value& value, const std::string& name) {
    std::optional<Date> date;
    int64_t time_of_day = 0;
    if (auto d = value.Get<Date>()) date = *d;
    if (auto t = value.Get<DateTime>()) {
      date = DateOf(*t);
      time_of_day = t->local_millis - date->days * kMillisPerDay;
    }
    if (date) {
      const CivilDate civil = ToCivil(*date);
      if (name == "year") return Value(static_cast<double>(civil.year));
      if (name == "month") return Value(static_cast<double>(civil.month));
      if (name == "day") return Value(static_cast<double>(civil.day));
      if (name == "weekday") return Value(static_cast<double>(((date->days + 3) % 7 + 7) % 7 + 1));
      if (!value.Is<DateTime>()) return std::nullopt;
      if (name == "hour") return Value(static_cast<double>(time_of_day / 3'600'000));
      if (name == "minute") return Value(static_cast<double>(time_of_day / 60'000 % 60));
      if (name == "second") return Value(static_cast<double>(time_of_day / 1000 % 60));
      return std::nullopt;
    }
    if (auto d = value.Get<DayTimeDuration>()) {
      const int64_t m = d->millis;
      if (name == "days") return Value(static_cast<double>(m / kMillisPerDay));
      if (name == "hours") return Value(static_cast<double>(m / 3'600'000 % 24));
      if (name == "minutes") return Value(static_cast<double>(m / 60'000 % 60));
      if (name == "seconds") return Value(static_cast<double>(m / 1000 % 60));
    }
    if (auto d = value.Get<YearMonthDuration>()) {
      if (name == "years") return Value(static_cast<double>(d->months / 12));
      if (name == "months") return Value(static_cast<double>(d->months % 12));
    }
    return std::nullopt;
  }

  Result<Value> ListLiteral(const Node& node, const Scope* scope) {
    List list;
    list.reserve(node.children.size());
    for (const auto& child : node.children) {
      auto element = Eval(*child, scope);
      if (!element.ok()) return element;
      list.push_back(std::move(element).value());
    }
    return Value::Of(std::move(list));
  }

  // Later entries see earlier ones: {a: 1, b: a + 1}.
  Result<Value> ContextLiteral(const Node& node, const Scope* scope) {
    Context context;
    const Scope entries{scope, {}, nullptr, &context};
    for (size_t i = 0; i < node.children.size(); ++i) {
      auto entry = Eval(*node.children[i], &entries);
      if (!entry.ok()) return entry;
      context[node.names[i]] = std::move(entry).value();
    }
    return Value::Of(std::move(context));
  }

  Result<Value> RangeLiteral(const Node& node, const Scope* scope) {
    Range range;
    range.low_closed = node.low_closed;
    range.high_closed = node.high_closed;
    for (int i = 0; i < 2; ++i) {
      auto end = Eval(*node.children[i], scope);
      if (!end.ok()) return end;
      (i == 0 ? range.low : range.high) = std::make_shared<const Value>(std::move(end).value());
    }
    return Value(std::move(range));
  }

  // xs[1], xs[-1]: an index (1-based, negative from the end); otherwise a
  // condition kept for the items where it is true. The condition sees `item`
  // and, for context items, their entries by name.
  Result<Value> Filter(const Node& node, const Scope* scope) {
    auto base = Eval(*node.children[0], scope);
    if (!base.ok()) return base;
    if (base.value().IsNull()) return Value();
    const Node& condition = *node.children[1];
    // A non-list filters as a list of one, like feel-scala.
    const List single = {base.value()};
    const List* items = base.value().AsList() ? base.value().AsList() : &single;
    if (condition.kind != NodeKind::kBoolean) {
      auto index = Eval(condition, scope);
      if (!index.ok()) return index;
      if (auto n = index.value().Get<double>()) {
        const double count = static_cast<double>(items->size());
        const double i = std::floor(*n);
        if (i >= 1 && i <= count) return (*items)[static_cast<size_t>(i - 1)];
        if (i <= -1 && -i <= count) return (*items)[static_cast<size_t>(count + i)];
        return Value();
      }
    }
    List kept;
    for (const Value& item : *items) {
      const Scope item_scope{scope, "item", &item, nullptr};
      const Scope fields{&item_scope, {}, nullptr, item.AsContext()};
      auto keep = Eval(condition, item.AsContext() ? &fields : &item_scope);
      if (!keep.ok()) return keep;
      if (AsLogical(keep.value()) == true) kept.push_back(item);
    }
    return Value::Of(std::move(kept));
  }

  Result<Value> Call(const Node& node, const Scope* scope) {
    if (node.text == "is defined" && node.children.size() == 1) {
      auto found = Lookup(*node.children[0], scope);
      if (!found.ok()) return found.status();
      return Value(found.value().has_value());
    }
    const BuiltinSpec* spec = FindBuiltin(node.text);
    if (!spec) return Status::InvalidArgument("unknown function '" + node.text + "'");
    const int count = static_cast<int>(node.children.size());
    if (count < spec->min_args || (spec->max_args != kVariadic && count > spec->max_args)) {
      std::string expected = std::to_string(spec->min_args);
      if (spec->max_args == kVariadic) expected += " or more";
      if (spec->max_args > spec->min_args) expected += " to " + std::to_string(spec->max_args);
      return Status::InvalidArgument("function '" + node.text + "' takes " + expected +
                                     " arguments, not " + std::to_string(count));
    }
    std::vector<Value> args;
    args.reserve(node.children.size());
    for (const auto& child : node.children) {
      auto arg = Eval(*child, scope);
      if (!arg.ok()) return arg;
      args.push_back(std::move(arg).value());
    }
    auto result = spec->function(environment_, args);
    if (!result.ok()) return result;
    if (Status s = Charge(Size(result.value())); !s.ok()) return s;
    return result;
  }

  // What a built value costs against the budget: its elements or bytes.
  static int64_t Size(const Value& value) {
    if (auto s = value.Get<std::string>()) return static_cast<int64_t>(s->size());
    if (const List* list = value.AsList()) return static_cast<int64_t>(list->size());
    return 1;
  }

  Result<Value> Arithmetic(const Node& node, const Scope* scope) {
    auto a = Eval(*node.children[0], scope);
    if (!a.ok()) return a;
    auto b = Eval(*node.children[1], scope);
    if (!b.ok()) return b;
    Value result;
    if (node.text == "+" || node.text == "-") {
      result = AddOrSubtract(a.value(), b.value(), node.text == "-");
    } else if (node.text == "*" || node.text == "/") {
      result = MultiplyOrDivide(a.value(), b.value(), node.text == "/");
    } else {  // **
      auto x = a.value().Get<double>();
      auto y = b.value().Get<double>();
      if (x && y) result = Number(std::pow(*x, *y));
    }
    if (auto s = result.Get<std::string>(); s && s->size() > kMaxStringLength) {
      return Status::InvalidArgument("string result longer than " +
                                     std::to_string(kMaxStringLength) + " bytes");
    }
    if (Status s = Charge(Size(result)); !s.ok()) return s;
    return result;
  }

  // and/or evaluate both sides (no side effects to skip) and combine them
  // with three-valued logic: false and null = false, true or null = true.
  Result<Value> Logical(const Node& node, const Scope* scope) {
    const bool is_and = node.kind == NodeKind::kAnd;
    auto a = Eval(*node.children[0], scope);
    if (!a.ok()) return a;
    const auto left = AsLogical(a.value());
    if (left == !is_and) return Value(!is_and);  // false and _, true or _
    auto b = Eval(*node.children[1], scope);
    if (!b.ok()) return b;
    const auto right = AsLogical(b.value());
    if (right == !is_and) return Value(!is_and);
    if (!left || !right) return Value();
    return Value(is_and);
  }

  Result<Value> Between(const Node& node, const Scope* scope) {
    Value values[3];
    for (int i = 0; i < 3; ++i) {
      auto v = Eval(*node.children[i], scope);
      if (!v.ok()) return v;
      values[i] = std::move(v).value();
    }
    Range range;
    range.low = std::make_shared<const Value>(values[1]);
    range.high = std::make_shared<const Value>(values[2]);
    return InRange(values[0], range);
  }

  // x in (test, ...): true if any test holds, false if all fail, null if
  // none holds and some could not be decided.
  Result<Value> In(const Node& node, const Scope* scope) {
    auto subject = Eval(*node.children[0], scope);
    if (!subject.ok()) return subject;
    bool undecided = false;
    for (size_t i = 1; i < node.children.size(); ++i) {
      const Node& test = *node.children[i];
      auto operand = Eval(*test.children[0], scope);
      if (!operand.ok()) return operand;
      const Value outcome = Test(subject.value(), test.text, operand.value());
      if (AsLogical(outcome) == true) return Value(true);
      undecided = undecided || outcome.IsNull();
    }
    return undecided ? Value() : Value(false);
  }

  static Value Test(const Value& subject, const std::string& op, const Value& operand) {
    if (!op.empty()) return ApplyComparison(op, subject, operand);
    if (auto range = operand.Get<Range>()) return InRange(subject, *range);
    if (const List* list = operand.AsList(); list && !subject.AsList()) {
      bool undecided = false;
      for (const Value& element : *list) {
        const Value outcome = Test(subject, "", element);
        if (AsLogical(outcome) == true) return Value(true);
        undecided = undecided || outcome.IsNull();
      }
      return undecided ? Value() : Value(false);
    }
    return ApplyComparison("=", subject, operand);
  }

  // The items a for/some/every variable takes: a list's elements, or the
  // integers of a range with number ends (for i in 1..3, also counting down).
  // kNotFound for anything else, which makes the whole expression null.
  Result<List> Items(const Value& collection) {
    if (const List* list = collection.AsList()) return *list;
    const Status not_iterable = Status::NotFound("not a list");
    const Range* range = collection.Get<Range>();
    if (!range || !range->low || !range->high) return not_iterable;
    auto low = range->low->Get<double>();
    auto high = range->high->Get<double>();
    if (!low || !high || std::floor(*low) != *low || std::floor(*high) != *high) {
      return not_iterable;
    }
    if (std::fabs(*high - *low) >= kMaxListLength) {
      return Status::InvalidArgument(
          "range longer than " + std::to_string(static_cast<int64_t>(kMaxListLength)) + " items");
    }
    if (Status s = Charge(static_cast<int64_t>(std::fabs(*high - *low)) + 1); !s.ok()) return s;
    List items;
    const double step = *high >= *low ? 1 : -1;
    for (double i = *low; step > 0 ? i <= *high : i >= *high; i += step) items.push_back(Value(i));
    return items;
  }

  // for/some/every over the cartesian product of the iteration variables.
  Result<Value> Iterate(const Node& node, const Scope* scope) {
    List results;
    bool any = false, all = true;
    Status status = Nest(node, 0, scope, [&](const Value& value) {
      if (node.kind == NodeKind::kFor) {
        results.push_back(value);
        return Charge(1).ok();
      }
      const bool holds = AsLogical(value) == true;
      any = any || holds;
      all = all && holds;
      // some stops at the first true, every at the first non-true.
      return node.kind == NodeKind::kSome ? !holds : holds;
    });
    if (status.code() == Status::Code::kNotFound) return Value();
    if (!status.ok()) return status;
    if (node.kind == NodeKind::kFor) return Value::Of(std::move(results));
    return Value(node.kind == NodeKind::kSome ? any : all);
  }

  // Binds variable `level` to each of its items in turn, then the next
  // level; at the bottom evaluates the body and hands it to `consume`, which
  // returns whether to go on.
  template <typename Consume>
  Status Nest(const Node& node, size_t level, const Scope* scope, Consume&& consume) {
    const size_t variables = node.names.size();
    if (level == variables) {
      auto body = Eval(*node.children.back(), scope);
      if (!body.ok()) return body.status();
      return consume(body.value()) ? Status::OK() : Status::Aborted("stop");
    }
    auto collection = Eval(*node.children[level], scope);
    if (!collection.ok()) return collection.status();
    auto items = Items(collection.value());
    if (!items.ok()) return items.status();
    for (const Value& item : items.value()) {
      const Scope binding{scope, node.names[level], &item, nullptr};
      Status s = Nest(node, level + 1, &binding, consume);
      if (s.code() == Status::Code::kAborted && level > 0) return s;
      if (s.code() == Status::Code::kAborted) break;
      if (!s.ok()) return s;
    }
    return Status::OK();
  }

  const EvalContext& context_;
  uint64_t random_state_;
  CallEnvironment environment_;
  int64_t spent_ = 0;
};

}  // namespace

Result<nlohmann::json> Evaluate(const Expression& expression, const EvalContext& context) {
  Evaluator evaluator(context);
  auto value = evaluator.Eval(expression.root(), nullptr);
  if (!value.ok()) return value.status();
  return ToJson(value.value());
}

}  // namespace waggle::feel
