#include "engine/processing/timers.h"

#include <cctype>
#include <optional>
#include <string>

#include "engine/feel/temporal.h"

namespace waggle::engine {
namespace {

// "P[nY][nM][nW][nD][T...]": the date part by hand, the time part by FEEL's
// days-time duration parser.
std::optional<TimerInterval> ParseDuration(std::string_view text) {
  if (text.size() < 2 || text[0] != 'P') return std::nullopt;
  TimerInterval interval;
  size_t i = 1;
  bool any = false;
  while (i < text.size() && text[i] != 'T') {
    int64_t number = 0;
    size_t digits = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      if (number > 1'000'000) return std::nullopt;
      number = number * 10 + (text[i++] - '0');
      ++digits;
    }
    if (digits == 0 || i == text.size()) return std::nullopt;
    switch (text[i++]) {
      case 'Y': interval.months += number * 12; break;
      case 'M': interval.months += number; break;
      case 'W': interval.millis += number * 7 * feel::kMillisPerDay; break;
      case 'D': interval.millis += number * feel::kMillisPerDay; break;
      default: return std::nullopt;
    }
    any = true;
  }
  if (i < text.size()) {
    auto time = feel::ParseDayTimeDuration("P" + std::string(text.substr(i)));
    if (!time || time->millis < 0) return std::nullopt;
    interval.millis += time->millis;
    any = true;
  }
  if (!any) return std::nullopt;
  return interval;
}

std::optional<int64_t> ParseInstant(std::string_view text) {
  auto date_time = feel::ParseDateTime(text);
  if (!date_time) return std::nullopt;
  return date_time->has_offset ? date_time->EpochMillis() : date_time->local_millis;
}

Status Invalid(bpmn::TimerKind kind, std::string_view text) {
  const char* what = kind == bpmn::TimerKind::kDate       ? "date"
                     : kind == bpmn::TimerKind::kDuration ? "duration"
                                                          : "cycle";
  return Status::InvalidArgument("Invalid timer " + std::string(what) + " '" + std::string(text) +
                                 "': expected an ISO-8601 " + what);
}

}  // namespace

int64_t AddInterval(int64_t millis, const TimerInterval& interval) {
  int64_t result = millis;
  if (interval.months != 0) {
    feel::DateTime date_time{millis, 0, true};
    result = feel::AddMonths(date_time, interval.months).local_millis;
  }
  return result + interval.millis;
}

Result<TimerSchedule> ScheduleTimer(bpmn::TimerKind kind, std::string_view text, int64_t now) {
  TimerSchedule schedule;
  switch (kind) {
    case bpmn::TimerKind::kDate: {
      auto instant = ParseInstant(text);
      if (!instant) return Invalid(kind, text);
      schedule.due_date = *instant;
      return schedule;
    }
    case bpmn::TimerKind::kDuration: {
      auto interval = ParseDuration(text);
      if (!interval) return Invalid(kind, text);
      schedule.due_date = AddInterval(now, *interval);
      schedule.interval = *interval;
      return schedule;
    }
    case bpmn::TimerKind::kCycle: {
      // R[n]/[start/]duration
      if (text.empty() || text[0] != 'R') return Invalid(kind, text);
      const size_t slash = text.find('/');
      if (slash == std::string_view::npos) return Invalid(kind, text);
      std::string_view count = text.substr(1, slash - 1);
      schedule.repetitions = -1;
      if (!count.empty()) {
        int64_t n = 0;
        for (char c : count) {
          if (!std::isdigit(static_cast<unsigned char>(c)) || n > 1'000'000'000) {
            return Invalid(kind, text);
          }
          n = n * 10 + (c - '0');
        }
        schedule.repetitions = static_cast<int32_t>(n);
      }
      std::string_view rest = text.substr(slash + 1);
      std::optional<int64_t> start;
      if (const size_t second = rest.find('/'); second != std::string_view::npos) {
        start = ParseInstant(rest.substr(0, second));
        if (!start) return Invalid(kind, text);
        rest = rest.substr(second + 1);
      }
      auto interval = ParseDuration(rest);
      if (!interval) return Invalid(kind, text);
      schedule.interval = *interval;
      schedule.due_date = start ? *start : AddInterval(now, *interval);
      return schedule;
    }
  }
  return Invalid(kind, text);
}

}  // namespace waggle::engine
