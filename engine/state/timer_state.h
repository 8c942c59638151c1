// Timers: by (element instance, timer key), so that an element instance's
// timers are found when it ends, and by due date for DueCommands. Timer
// start events have no element instance: they are kept under -1.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "engine/state/state_access.h"

namespace waggle::engine::state {

class TimerState {
 public:
  explicit TimerState(StateAccess* access) : access_(access) {}

  std::optional<record::fb::TimerRecordT> Get(int64_t element_instance_key,
                                              int64_t timer_key) const;
  void Put(int64_t timer_key, const record::fb::TimerRecordT& timer);
  void Remove(int64_t timer_key, const record::fb::TimerRecordT& timer);

  // The timers of an element instance (-1: of timer start events), by key.
  std::vector<std::pair<int64_t, record::fb::TimerRecordT>> OfElementInstance(
      int64_t element_instance_key) const;
  // Timers due at `now` or before, in due-date order; the visitor returns
  // false to stop.
  void ForEachDueBefore(
      int64_t now,
      const std::function<bool(int64_t element_instance_key, int64_t timer_key)>& visit) const;
  std::optional<int64_t> NextDueDate() const;

 private:
  StateAccess* access_;
};

}  // namespace waggle::engine::state
