// Temporal values of FEEL: dates, date-times and the two kinds of duration,
// with their ISO-8601 text forms and calendar arithmetic. Pure functions of
// their arguments: nothing here reads a clock or a time-zone database.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace waggle::feel {

// A calendar date, as days since 1970-01-01.
struct Date {
  int64_t days = 0;
};

// A date and time. `local_millis` is the wall-clock time as milliseconds
// since 1970-01-01T00:00 on that wall clock. With an offset the value is an
// instant (local_millis - offset_seconds * 1000 since the Unix epoch);
// without one it is a local date-time, comparable only to local date-times.
struct DateTime {
  int64_t local_millis = 0;
  int32_t offset_seconds = 0;
  bool has_offset = false;

  // REQUIRES: has_offset
  int64_t EpochMillis() const { return local_millis - int64_t{offset_seconds} * 1000; }
};

// A days-and-time duration ("P1DT2H", "PT0.5S"), in milliseconds.
struct DayTimeDuration {
  int64_t millis = 0;
};

// A years-and-months duration ("P1Y2M"), in months.
struct YearMonthDuration {
  int64_t months = 0;
};

// Parsers for the ISO-8601 forms FEEL accepts; nullopt when the text is not
// one. Accepted: "2024-01-31"; "2024-01-31T10:20:30[.fff][Z|+hh:mm|-hh:mm]";
// "[-]P[nD][T[nH][nM][n[.fff]S]]" (days-time) and "[-]P[nY][nM]" (years-months).
std::optional<Date> ParseDate(std::string_view text);
std::optional<DateTime> ParseDateTime(std::string_view text);
std::optional<DayTimeDuration> ParseDayTimeDuration(std::string_view text);
std::optional<YearMonthDuration> ParseYearMonthDuration(std::string_view text);

// Builds a date from its fields; nullopt for an invalid day or month.
std::optional<Date> MakeDate(int64_t year, int64_t month, int64_t day);

// The ISO-8601 forms: "2024-01-31", "2024-01-31T10:20:30[.123][Z|+01:00]",
// "P1DT2H3M4.5S" (zero is "PT0S"), "P1Y2M" (zero is "P0M").
std::string FormatDate(Date date);
std::string FormatDateTime(DateTime date_time);
std::string FormatDayTimeDuration(DayTimeDuration duration);
std::string FormatYearMonthDuration(YearMonthDuration duration);

// Calendar fields and arithmetic.
struct CivilDate {
  int64_t year;
  int month;  // 1..12
  int day;    // 1..31
};
CivilDate ToCivil(Date date);
// Adds months, clamping the day to the length of the resulting month
// (2024-01-31 + P1M = 2024-02-29), as java.time does.
Date AddMonths(Date date, int64_t months);
DateTime AddMonths(DateTime date_time, int64_t months);
// The date-time at the start of a date, keeping no offset.
DateTime StartOfDay(Date date);
// The calendar date a date-time falls on (in its own wall-clock time).
Date DateOf(DateTime date_time);

inline constexpr int64_t kMillisPerDay = 86'400'000;

}  // namespace waggle::feel
