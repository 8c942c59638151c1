// When a timer is due, from its ISO-8601 text as Zeebe reads it:
// timeDate "2024-01-31T10:00:00Z" (no offset: UTC); timeDuration "PT10S",
// "P1DT2H", "P1M", "P2W"; timeCycle "R5/PT10S", "R/P1D" (forever) or
// "R3/2024-01-31T10:00:00Z/PT1H" (first due at the start date). Cron cycles
// are not supported.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/status.h"
#include "engine/bpmn/element.h"

namespace waggle::engine {

// A duration with a calendar part: months, then milliseconds.
struct TimerInterval {
  int64_t months = 0;
  int64_t millis = 0;
};

struct TimerSchedule {
  int64_t due_date = 0;
  // How many times the timer fires: 1 for dates and durations, the cycle's
  // count, or -1 for a cycle without one (forever).
  int32_t repetitions = 1;
  // Between two firings of a cycle.
  TimerInterval interval;
};

// The schedule of a timer of `kind` written `text`, counted from `now`
// (milliseconds since the epoch). Errors name what does not parse.
Result<TimerSchedule> ScheduleTimer(bpmn::TimerKind kind, std::string_view text, int64_t now);

// `millis` (since the epoch, UTC) plus `interval`, months by the calendar.
int64_t AddInterval(int64_t millis, const TimerInterval& interval);

}  // namespace waggle::engine
