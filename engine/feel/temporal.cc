#include "engine/feel/temporal.h"

#include <cstdio>

namespace waggle::feel {
namespace {

// Howard Hinnant's days_from_civil / civil_from_days: exact for any year in
// the proleptic Gregorian calendar.
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bool IsLeapYear(int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int DaysInMonth(int64_t y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeapYear(y) ? 29 : kDays[m - 1];
}

// A cursor over ISO-8601 text.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  bool AtEnd() const { return pos_ == text_.size(); }
  bool Peek(char c) const { return pos_ < text_.size() && text_[pos_] == c; }
  bool Consume(char c) {
    if (!Peek(c)) return false;
    ++pos_;
    return true;
  }
  bool PeekDigit() const { return pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9'; }
  // Exactly `count` digits.
  std::optional<int64_t> Digits(int count) {
    int64_t value = 0;
    for (int i = 0; i < count; ++i) {
      if (!PeekDigit()) return std::nullopt;
      value = value * 10 + (text_[pos_++] - '0');
    }
    return value;
  }
  // One to `max_count` digits.
  std::optional<int64_t> Number(int max_count) {
    int64_t value = 0;
    int count = 0;
    while (PeekDigit() && count < max_count) {
      value = value * 10 + (text_[pos_++] - '0');
      ++count;
    }
    if (count == 0 || PeekDigit()) return std::nullopt;
    return value;
  }
  // ".fff": a fraction of a second, as milliseconds (digits beyond the
  // third are accepted and truncated, up to nine).
  std::optional<int64_t> FractionMillis() {
    int64_t millis = 0;
    int count = 0;
    while (PeekDigit()) {
      if (count == 9) return std::nullopt;
      if (count < 3) millis = millis * 10 + (text_[pos_] - '0');
      ++pos_;
      ++count;
    }
    if (count == 0) return std::nullopt;
    for (; count < 3; ++count) millis *= 10;
    return millis;
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

constexpr int64_t kMaxYear = 999'999;

std::optional<Date> ScanDate(Scanner& s) {
  const bool negative = s.Consume('-');
  auto year = s.Digits(4);
  if (!year) return std::nullopt;
  while (s.PeekDigit() && *year <= kMaxYear / 10) *year = *year * 10 + *s.Digits(1);
  if (s.PeekDigit()) return std::nullopt;
  if (!s.Consume('-')) return std::nullopt;
  auto month = s.Digits(2);
  if (!month || !s.Consume('-')) return std::nullopt;
  auto day = s.Digits(2);
  if (!day) return std::nullopt;
  return MakeDate(negative ? -*year : *year, *month, *day);
}

std::optional<int64_t> ScanTimeMillis(Scanner& s) {
  auto hour = s.Digits(2);
  if (!hour || !s.Consume(':')) return std::nullopt;
  auto minute = s.Digits(2);
  if (!minute || !s.Consume(':')) return std::nullopt;
  auto second = s.Digits(2);
  if (!second || *hour > 23 || *minute > 59 || *second > 59) return std::nullopt;
  int64_t millis = ((*hour * 60 + *minute) * 60 + *second) * 1000;
  if (s.Consume('.')) {
    auto fraction = s.FractionMillis();
    if (!fraction) return std::nullopt;
    millis += *fraction;
  }
  return millis;
}

void AppendTwoDigits(std::string& out, int64_t value) {
  out.push_back(static_cast<char>('0' + value / 10));
  out.push_back(static_cast<char>('0' + value % 10));
}

}  // namespace

std::optional<Date> MakeDate(int64_t year, int64_t month, int64_t day) {
  if (year < -kMaxYear || year > kMaxYear || month < 1 || month > 12 || day < 1 ||
      day > DaysInMonth(year, static_cast<int>(month))) {
    return std::nullopt;
  }
  return Date{DaysFromCivil(year, month, day)};
}

CivilDate ToCivil(Date date) {
  const int64_t z = date.days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  return CivilDate{yoe + era * 400 + (m <= 2), static_cast<int>(m), static_cast<int>(d)};
}

Date AddMonths(Date date, int64_t months) {
  const CivilDate civil = ToCivil(date);
  const int64_t total = civil.year * 12 + (civil.month - 1) + months;
  const int64_t year = total >= 0 ? total / 12 : (total - 11) / 12;
  const int month = static_cast<int>(total - year * 12) + 1;
  const int day = std::min(civil.day, DaysInMonth(year, month));
  return Date{DaysFromCivil(year, month, day)};
}

DateTime AddMonths(DateTime date_time, int64_t months) {
  const Date date = DateOf(date_time);
  const int64_t time_of_day = date_time.local_millis - date.days * kMillisPerDay;
  DateTime result = date_time;
  result.local_millis = AddMonths(date, months).days * kMillisPerDay + time_of_day;
  return result;
}

DateTime StartOfDay(Date date) {
  return DateTime{date.days * kMillisPerDay, 0, false};
}

Date DateOf(DateTime date_time) {
  int64_t days = date_time.local_millis / kMillisPerDay;
  if (date_time.local_millis % kMillisPerDay < 0) --days;
  return Date{days};
}

std::optional<Date> ParseDate(std::string_view text) {
  Scanner s(text);
  auto date = ScanDate(s);
  if (!date || !s.AtEnd()) return std::nullopt;
  return date;
}

std::optional<DateTime> ParseDateTime(std::string_view text) {
  Scanner s(text);
  auto date = ScanDate(s);
  if (!date || !s.Consume('T')) return std::nullopt;
  auto time = ScanTimeMillis(s);
  if (!time) return std::nullopt;
  DateTime result{date->days * kMillisPerDay + *time, 0, false};
  if (s.Consume('Z')) {
    result.has_offset = true;
  } else if (s.Peek('+') || s.Peek('-')) {
    const int sign = s.Consume('-') ? -1 : (s.Consume('+'), 1);
    auto hours = s.Digits(2);
    if (!hours || !s.Consume(':')) return std::nullopt;
    auto minutes = s.Digits(2);
    if (!minutes || *hours > 18 || *minutes > 59) return std::nullopt;
    result.has_offset = true;
    result.offset_seconds = static_cast<int32_t>(sign * (*hours * 3600 + *minutes * 60));
  }
  if (!s.AtEnd()) return std::nullopt;
  return result;
}

std::optional<DayTimeDuration> ParseDayTimeDuration(std::string_view text) {
  Scanner s(text);
  const bool negative = s.Consume('-');
  if (!s.Consume('P')) return std::nullopt;
  // Each component is at most 9 digits, so the sum cannot overflow.
  constexpr int kMaxDigits = 9;
  int64_t millis = 0;
  bool any = false;
  if (s.PeekDigit()) {
    auto days = s.Number(kMaxDigits);
    if (!days || !s.Consume('D')) return std::nullopt;
    millis += *days * kMillisPerDay;
    any = true;
  }
  if (s.Consume('T')) {
    // Hours, minutes, seconds: each optional, in this order.
    static constexpr std::pair<char, int64_t> kUnits[] = {
        {'H', 3'600'000}, {'M', 60'000}, {'S', 1000}};
    size_t next_unit = 0;
    while (s.PeekDigit()) {
      auto number = s.Number(kMaxDigits);
      if (!number) return std::nullopt;
      int64_t fraction = 0;
      if (s.Consume('.')) {
        auto f = s.FractionMillis();
        if (!f || !s.Peek('S')) return std::nullopt;
        fraction = *f;
      }
      while (next_unit < 3 && !s.Peek(kUnits[next_unit].first)) ++next_unit;
      if (next_unit == 3) return std::nullopt;
      s.Consume(kUnits[next_unit].first);
      millis += *number * kUnits[next_unit].second + fraction;
      ++next_unit;
      any = true;
    }
    if (next_unit == 0) return std::nullopt;  // "PT" alone
  }
  if (!any || !s.AtEnd()) return std::nullopt;
  return DayTimeDuration{negative ? -millis : millis};
}

std::optional<YearMonthDuration> ParseYearMonthDuration(std::string_view text) {
  Scanner s(text);
  const bool negative = s.Consume('-');
  if (!s.Consume('P')) return std::nullopt;
  constexpr int kMaxDigits = 9;
  int64_t months = 0;
  bool any = false;
  // Years then months, each optional.
  static constexpr std::pair<char, int64_t> kUnits[] = {{'Y', 12}, {'M', 1}};
  size_t next_unit = 0;
  while (s.PeekDigit()) {
    auto number = s.Number(kMaxDigits);
    if (!number) return std::nullopt;
    while (next_unit < 2 && !s.Peek(kUnits[next_unit].first)) ++next_unit;
    if (next_unit == 2) return std::nullopt;
    s.Consume(kUnits[next_unit].first);
    months += *number * kUnits[next_unit].second;
    ++next_unit;
    any = true;
  }
  if (!any || !s.AtEnd()) return std::nullopt;
  return YearMonthDuration{negative ? -months : months};
}

std::string FormatDate(Date date) {
  const CivilDate civil = ToCivil(date);
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%s%04lld-%02d-%02d", civil.year < 0 ? "-" : "",
                static_cast<long long>(civil.year < 0 ? -civil.year : civil.year), civil.month,
                civil.day);
  return buffer;
}

std::string FormatDateTime(DateTime date_time) {
  const Date date = DateOf(date_time);
  const int64_t time_of_day = date_time.local_millis - date.days * kMillisPerDay;
  std::string out = FormatDate(date);
  out.push_back('T');
  AppendTwoDigits(out, time_of_day / 3'600'000);
  out.push_back(':');
  AppendTwoDigits(out, time_of_day / 60'000 % 60);
  out.push_back(':');
  AppendTwoDigits(out, time_of_day / 1000 % 60);
  if (const int64_t millis = time_of_day % 1000; millis != 0) {
    out.push_back('.');
    out.push_back(static_cast<char>('0' + millis / 100));
    AppendTwoDigits(out, millis % 100);
  }
  if (date_time.has_offset) {
    if (date_time.offset_seconds == 0) {
      out.push_back('Z');
    } else {
      const int32_t offset = date_time.offset_seconds;
      out.push_back(offset < 0 ? '-' : '+');
      const int32_t magnitude = offset < 0 ? -offset : offset;
      AppendTwoDigits(out, magnitude / 3600);
      out.push_back(':');
      AppendTwoDigits(out, magnitude / 60 % 60);
    }
  }
  return out;
}

std::string FormatDayTimeDuration(DayTimeDuration duration) {
  if (duration.millis == 0) return "PT0S";
  // The magnitude as unsigned, so that INT64_MIN formats too.
  uint64_t rest = duration.millis < 0 ? 0 - static_cast<uint64_t>(duration.millis)
                                      : static_cast<uint64_t>(duration.millis);
  const uint64_t days = rest / kMillisPerDay;
  rest %= kMillisPerDay;
  const uint64_t hours = rest / 3'600'000, minutes = rest / 60'000 % 60;
  const uint64_t seconds = rest / 1000 % 60, millis = rest % 1000;
  std::string out = duration.millis < 0 ? "-P" : "P";
  if (days != 0) out += std::to_string(days) + "D";
  if (hours != 0 || minutes != 0 || seconds != 0 || millis != 0) out.push_back('T');
  if (hours != 0) out += std::to_string(hours) + "H";
  if (minutes != 0) out += std::to_string(minutes) + "M";
  if (seconds != 0 || millis != 0) {
    out += std::to_string(seconds);
    if (millis != 0) {
      char fraction[8];
      std::snprintf(fraction, sizeof fraction, ".%03u", static_cast<unsigned>(millis));
      std::string f = fraction;
      while (f.back() == '0') f.pop_back();
      out += f;
    }
    out.push_back('S');
  }
  return out;
}

std::string FormatYearMonthDuration(YearMonthDuration duration) {
  if (duration.months == 0) return "P0M";
  const uint64_t magnitude = duration.months < 0 ? 0 - static_cast<uint64_t>(duration.months)
                                                 : static_cast<uint64_t>(duration.months);
  std::string out = duration.months < 0 ? "-P" : "P";
  if (magnitude / 12 != 0) out += std::to_string(magnitude / 12) + "Y";
  if (magnitude % 12 != 0) out += std::to_string(magnitude % 12) + "M";
  return out;
}

}  // namespace waggle::feel
