#include "engine/feel/builtins.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>

namespace waggle::feel {
namespace {

using Args = std::vector<Value>;

const std::string* StringArg(const Args& args, size_t i) {
  return args[i].Get<std::string>();
}
const double* NumberArg(const Args& args, size_t i) {
  return args[i].Get<double>();
}

// Positions of code points in UTF-8 text: FEEL counts characters, not bytes.
std::vector<size_t> CodePointOffsets(const std::string& s) {
  std::vector<size_t> offsets;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) offsets.push_back(i);
  }
  return offsets;
}

Result<Value> StringResult(std::string s) {
  if (s.size() > kMaxStringLength) {
    return Status::InvalidArgument("string result longer than " + std::to_string(kMaxStringLength) +
                                   " bytes");
  }
  return Value(std::move(s));
}

// The list an aggregate works on: sum([1, 2]) and sum(1, 2) mean the same.
const List* AggregateItems(const Args& args, List& storage) {
  if (args.size() == 1) {
    if (const List* list = args[0].AsList()) return list;
  }
  storage = args;
  return &storage;
}

// Numbers of an aggregate; nullopt when any item is not a number.
std::optional<std::vector<double>> Numbers(const Args& args) {
  List storage;
  const List* items = AggregateItems(args, storage);
  std::vector<double> numbers;
  for (const Value& item : *items) {
    const double* n = item.Get<double>();
    if (!n) return std::nullopt;
    numbers.push_back(*n);
  }
  return numbers;
}

Result<Value> Not(CallEnvironment&, const Args& args) {
  if (auto b = args[0].Get<bool>()) return Value(!*b);
  return Value();
}

Result<Value> String(CallEnvironment&, const Args& args) {
  if (args[0].IsNull()) return Value();
  return StringResult(ToFeelString(args[0]));
}

Result<Value> Number(CallEnvironment&, const Args& args) {
  const std::string* s = StringArg(args, 0);
  if (!s || s->empty() || s->size() > 400) return Value();
  // FEEL numbers: optional sign, digits, optional fraction and exponent; no
  // hex, no "inf", no surrounding spaces.
  for (char c : *s) {
    if (!std::isdigit(static_cast<unsigned char>(c)) && c != '-' && c != '+' && c != '.' &&
        c != 'e' && c != 'E') {
      return Value();
    }
  }
  char* end = nullptr;
  const double n = std::strtod(s->c_str(), &end);
  if (end != s->c_str() + s->size() || !std::isfinite(n)) return Value();
  return Value(n);
}

template <bool (*Test)(const std::string&, const std::string&)>
Result<Value> StringPredicate(CallEnvironment&, const Args& args) {
  const std::string *s = StringArg(args, 0), *t = StringArg(args, 1);
  if (!s || !t) return Value();
  return Value(Test(*s, *t));
}
bool Contains(const std::string& s, const std::string& t) {
  return s.find(t) != std::string::npos;
}
bool StartsWith(const std::string& s, const std::string& t) {
  return s.starts_with(t);
}
bool EndsWith(const std::string& s, const std::string& t) {
  return s.ends_with(t);
}

// ASCII letters only: other characters pass unchanged.
template <char (*Map)(char)>
Result<Value> MapCase(CallEnvironment&, const Args& args) {
  const std::string* s = StringArg(args, 0);
  if (!s) return Value();
  std::string out = *s;
  std::transform(out.begin(), out.end(), out.begin(), Map);
  return Value(std::move(out));
}
char Upper(char c) {
  return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
}
char Lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

Result<Value> StringLength(CallEnvironment&, const Args& args) {
  const std::string* s = StringArg(args, 0);
  if (!s) return Value();
  return Value(static_cast<double>(CodePointOffsets(*s).size()));
}

// substring(string, start position[, length]): 1-based, a negative start
// counts from the end.
Result<Value> Substring(CallEnvironment&, const Args& args) {
  const std::string* s = StringArg(args, 0);
  const double* start = NumberArg(args, 1);
  const double* length = args.size() > 2 ? NumberArg(args, 2) : nullptr;
  if (!s || !start || (args.size() > 2 && !length)) return Value();
  const std::vector<size_t> offsets = CodePointOffsets(*s);
  const double count = static_cast<double>(offsets.size());
  double first = std::floor(*start) > 0 ? std::floor(*start) - 1 : count + std::floor(*start);
  if (*start == 0 || first < 0 || first >= count) return Value(std::string());
  double last = length ? std::min(count, first + std::floor(*length)) : count;
  if (last <= first) return Value(std::string());
  const size_t begin = offsets[static_cast<size_t>(first)];
  const size_t end = last >= count ? s->size() : offsets[static_cast<size_t>(last)];
  return Value(s->substr(begin, end - begin));
}

template <bool kBefore>
Result<Value> SubstringAround(CallEnvironment&, const Args& args) {
  const std::string *s = StringArg(args, 0), *match = StringArg(args, 1);
  if (!s || !match) return Value();
  const size_t at = s->find(*match);
  if (at == std::string::npos) return Value(std::string());
  return Value(kBefore ? s->substr(0, at) : s->substr(at + match->size()));
}

Result<Value> StringJoin(CallEnvironment&, const Args& args) {
  const List* list = args[0].AsList();
  const std::string* delimiter = args.size() > 1 ? StringArg(args, 1) : nullptr;
  if (!list || (args.size() > 1 && !delimiter && !args[1].IsNull())) return Value();
  std::string out;
  bool first = true;
  for (const Value& item : *list) {
    if (item.IsNull()) continue;
    const std::string* s = item.Get<std::string>();
    if (!s) return Value();
    if (!first && delimiter) out += *delimiter;
    out += *s;
    first = false;
    if (out.size() > kMaxStringLength) return StringResult(std::move(out));
  }
  return Value(std::move(out));
}

Result<Value> Count(CallEnvironment&, const Args& args) {
  if (const List* list = args[0].AsList()) return Value(static_cast<double>(list->size()));
  return Value();
}

Result<Value> Sum(CallEnvironment&, const Args& args) {
  auto numbers = Numbers(args);
  if (!numbers || numbers->empty()) return Value();
  double total = 0;
  for (double n : *numbers) total += n;
  return Value(total);
}

Result<Value> Mean(CallEnvironment&, const Args& args) {
  auto numbers = Numbers(args);
  if (!numbers || numbers->empty()) return Value();
  double total = 0;
  for (double n : *numbers) total += n;
  return Value(total / static_cast<double>(numbers->size()));
}

// min/max over comparable items (numbers, strings, dates, ...).
template <int kSign>
Result<Value> Extreme(CallEnvironment&, const Args& args) {
  List storage;
  const List* items = AggregateItems(args, storage);
  if (items->empty()) return Value();
  Value best = items->front();
  for (const Value& item : *items) {
    auto order = Compare(item, best);
    if (!order) return Value();
    if (*order * kSign > 0) best = item;
  }
  return best;
}

Result<Value> Append(CallEnvironment&, const Args& args) {
  const List* list = args[0].AsList();
  if (!list) return Value();
  List out = *list;
  out.insert(out.end(), args.begin() + 1, args.end());
  return Value::Of(std::move(out));
}

Result<Value> Concatenate(CallEnvironment&, const Args& args) {
  List out;
  for (const Value& arg : args) {
    const List* list = arg.AsList();
    if (!list) return Value();
    out.insert(out.end(), list->begin(), list->end());
  }
  return Value::Of(std::move(out));
}

Result<Value> ListContains(CallEnvironment&, const Args& args) {
  const List* list = args[0].AsList();
  if (!list) return Value();
  for (const Value& item : *list) {
    if (Equal(item, args[1]) == true) return Value(true);
  }
  return Value(false);
}

Result<Value> IndexOf(CallEnvironment&, const Args& args) {
  const List* list = args[0].AsList();
  if (!list) return Value();
  List positions;
  for (size_t i = 0; i < list->size(); ++i) {
    if (Equal((*list)[i], args[1]) == true) positions.push_back(Value(static_cast<double>(i + 1)));
  }
  return Value::Of(std::move(positions));
}

Result<Value> DistinctValues(CallEnvironment&, const Args& args) {
  const List* list = args[0].AsList();
  if (!list) return Value();
  List out;
  for (const Value& item : *list) {
    const bool seen = std::any_of(out.begin(), out.end(),
                                  [&](const Value& kept) { return Equal(kept, item) == true; });
    if (!seen) out.push_back(item);
  }
  return Value::Of(std::move(out));
}

Result<Value> Reverse(CallEnvironment&, const Args& args) {
  const List* list = args[0].AsList();
  if (!list) return Value();
  return Value::Of(List(list->rbegin(), list->rend()));
}

// One level at a time, with an explicit stack: nesting is bounded by the
// input anyway, but this keeps the stack flat.
Result<Value> Flatten(CallEnvironment&, const Args& args) {
  const List* list = args[0].AsList();
  if (!list) return Value();
  List out;
  std::vector<std::pair<const List*, size_t>> stack = {{list, 0}};
  while (!stack.empty()) {
    auto& [current, index] = stack.back();
    if (index == current->size()) {
      stack.pop_back();
      continue;
    }
    const Value& item = (*current)[index++];
    if (const List* inner = item.AsList()) {
      stack.emplace_back(inner, 0);
    } else {
      out.push_back(item);
    }
  }
  return Value::Of(std::move(out));
}

Result<Value> IsEmpty(CallEnvironment&, const Args& args) {
  if (const List* list = args[0].AsList()) return Value(list->empty());
  return Value();
}

template <double (*Round)(double)>
Result<Value> RoundNumber(CallEnvironment&, const Args& args) {
  if (const double* n = NumberArg(args, 0)) return Value(Round(*n));
  return Value();
}
double Floor(double n) {
  return std::floor(n);
}
double Ceiling(double n) {
  return std::ceil(n);
}
double Absolute(double n) {
  return std::fabs(n);
}

// decimal(n, scale): rounds half to even at `scale` fractional digits.
Result<Value> Decimal(CallEnvironment&, const Args& args) {
  const double *n = NumberArg(args, 0), *scale = NumberArg(args, 1);
  if (!n || !scale || *scale < -30 || *scale > 30) return Value();
  const double factor = std::pow(10.0, std::floor(*scale));
  const double rounded = std::nearbyint(*n * factor) / factor;  // FE_TONEAREST: half to even
  return std::isfinite(rounded) ? Value(rounded) : Value();
}

Result<Value> Modulo(CallEnvironment&, const Args& args) {
  const double *dividend = NumberArg(args, 0), *divisor = NumberArg(args, 1);
  if (!dividend || !divisor || *divisor == 0) return Value();
  // FEEL: the result has the sign of the divisor.
  return Value(*dividend - *divisor * std::floor(*dividend / *divisor));
}

Result<Value> Now(CallEnvironment& env, const Args&) {
  return Value(DateTime{env.context.now_millis, 0, true});
}

Result<Value> Today(CallEnvironment& env, const Args&) {
  return Value(DateOf(DateTime{env.context.now_millis, 0, true}));
}

// splitmix64: a small, well-mixed generator; deterministic per record.
Result<Value> RandomNumber(CallEnvironment& env, const Args&) {
  uint64_t z = (env.random_state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return Value(static_cast<double>(z >> 11) * 0x1.0p-53);
}

Result<Value> DateFunction(CallEnvironment&, const Args& args) {
  if (args.size() == 3) {
    const double *y = NumberArg(args, 0), *m = NumberArg(args, 1), *d = NumberArg(args, 2);
    if (!y || !m || !d || std::fabs(*y) > 1e6) return Value();
    auto date =
        MakeDate(static_cast<int64_t>(*y), static_cast<int64_t>(*m), static_cast<int64_t>(*d));
    return date ? Value(*date) : Value();
  }
  if (args.size() != 1) return Value();
  if (auto date = args[0].Get<Date>()) return Value(*date);
  if (auto date_time = args[0].Get<DateTime>()) return Value(DateOf(*date_time));
  const std::string* s = StringArg(args, 0);
  if (!s) return Value();
  if (auto date = ParseDate(*s)) return Value(*date);
  if (auto date_time = ParseDateTime(*s)) return Value(DateOf(*date_time));
  return Value();
}

Result<Value> DateAndTime(CallEnvironment&, const Args& args) {
  if (auto date = args[0].Get<Date>()) return Value(StartOfDay(*date));
  if (auto date_time = args[0].Get<DateTime>()) return Value(*date_time);
  const std::string* s = StringArg(args, 0);
  if (!s) return Value();
  if (auto date_time = ParseDateTime(*s)) return Value(*date_time);
  return Value();
}

Result<Value> Duration(CallEnvironment&, const Args& args) {
  if (args[0].Is<DayTimeDuration>() || args[0].Is<YearMonthDuration>()) return args[0];
  const std::string* s = StringArg(args, 0);
  if (!s) return Value();
  if (auto d = ParseDayTimeDuration(*s)) return Value(*d);
  if (auto d = ParseYearMonthDuration(*s)) return Value(*d);
  return Value();
}

// years and months duration(from, to): whole months between two dates.
Result<Value> YearsAndMonthsDuration(CallEnvironment&, const Args& args) {
  auto as_date = [](const Value& v) -> std::optional<Date> {
    if (auto d = v.Get<Date>()) return *d;
    if (auto dt = v.Get<DateTime>()) return DateOf(*dt);
    return std::nullopt;
  };
  auto from = as_date(args[0]), to = as_date(args[1]);
  if (!from || !to) return Value();
  const CivilDate a = ToCivil(*from), b = ToCivil(*to);
  int64_t months = (b.year - a.year) * 12 + (b.month - a.month);
  if (months > 0 && b.day < a.day) --months;
  if (months < 0 && b.day > a.day) ++months;
  return Value(YearMonthDuration{months});
}

Result<Value> GetOrElse(CallEnvironment&, const Args& args) {
  return args[0].IsNull() ? args[1] : args[0];
}

constexpr BuiltinSpec kBuiltins[] = {
    {"not", 1, 1, Not},
    {"string", 1, 1, String},
    {"number", 1, 1, Number},
    {"contains", 2, 2, StringPredicate<Contains>},
    {"starts with", 2, 2, StringPredicate<StartsWith>},
    {"ends with", 2, 2, StringPredicate<EndsWith>},
    {"upper case", 1, 1, MapCase<Upper>},
    {"lower case", 1, 1, MapCase<Lower>},
    {"string length", 1, 1, StringLength},
    {"substring", 2, 3, Substring},
    {"substring before", 2, 2, SubstringAround<true>},
    {"substring after", 2, 2, SubstringAround<false>},
    {"string join", 1, 2, StringJoin},
    {"count", 1, 1, Count},
    {"sum", 1, kVariadic, Sum},
    {"mean", 1, kVariadic, Mean},
    {"min", 1, kVariadic, Extreme<-1>},
    {"max", 1, kVariadic, Extreme<1>},
    {"append", 1, kVariadic, Append},
    {"concatenate", 1, kVariadic, Concatenate},
    {"list contains", 2, 2, ListContains},
    {"index of", 2, 2, IndexOf},
    {"distinct values", 1, 1, DistinctValues},
    {"reverse", 1, 1, Reverse},
    {"flatten", 1, 1, Flatten},
    {"is empty", 1, 1, IsEmpty},
    {"floor", 1, 1, RoundNumber<Floor>},
    {"ceiling", 1, 1, RoundNumber<Ceiling>},
    {"abs", 1, 1, RoundNumber<Absolute>},
    {"decimal", 2, 2, Decimal},
    {"modulo", 2, 2, Modulo},
    {"now", 0, 0, Now},
    {"today", 0, 0, Today},
    {"random number", 0, 0, RandomNumber},
    {"date", 1, 3, DateFunction},
    {"date and time", 1, 1, DateAndTime},
    {"duration", 1, 1, Duration},
    {"years and months duration", 2, 2, YearsAndMonthsDuration},
    {"get or else", 2, 2, GetOrElse},
};

std::string FeelText(const Value& value) {
  if (auto s = value.Get<std::string>()) return nlohmann::json(*s).dump();
  return ToFeelString(value);
}

}  // namespace

const BuiltinSpec* FindBuiltin(std::string_view name) {
  for (const BuiltinSpec& spec : kBuiltins) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

std::string ToFeelString(const Value& value) {
  if (value.IsNull()) return "null";
  if (auto s = value.Get<std::string>()) return *s;
  if (auto n = value.Get<double>()) return FormatNumber(*n);
  if (const List* list = value.AsList()) {
    std::string out = "[";
    for (size_t i = 0; i < list->size(); ++i) out += (i ? ", " : "") + FeelText((*list)[i]);
    return out + "]";
  }
  if (const Context* context = value.AsContext()) {
    std::string out = "{";
    bool first = true;
    for (const auto& [key, item] : *context) {
      out += (first ? "" : ", ") + key + ":" + FeelText(item);
      first = false;
    }
    return out + "}";
  }
  const nlohmann::json json = ToJson(value);
  return json.is_string() ? json.get<std::string>() : json.dump();
}

}  // namespace waggle::feel
