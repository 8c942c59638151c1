// Indexes ordered by time (job deadlines and back-offs, message deadlines,
// timer due dates): every key starts with an int64 time (AppendInt64), so
// the entries due by some moment form a prefix of the column family.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "engine/state/state_access.h"

namespace waggle::engine::state {

// Visits the entries whose time is <= now, earliest first. The visitor gets
// a reader positioned after the time and returns false to stop.
inline void ForEachDueEntry(const StateAccess& access, ColumnFamily family, int64_t now,
                            const std::function<bool(KeyReader& rest)>& visit) {
  const std::string limit = KeyOf(now == INT64_MAX ? now : now + 1);
  access.Iterate(family, KeyRange{"", limit}, [&](std::string_view key, std::string_view) {
    KeyReader reader(key);
    int64_t time;
    if (!reader.ReadInt64(&time)) return true;
    return visit(reader);
  });
}

// The earliest time in the index, if it has entries.
inline std::optional<int64_t> EarliestTime(const StateAccess& access, ColumnFamily family) {
  std::optional<int64_t> first;
  access.Iterate(family, KeyRange::All(), [&](std::string_view key, std::string_view) {
    KeyReader reader(key);
    int64_t time;
    if (reader.ReadInt64(&time)) first = time;
    return false;
  });
  return first;
}

}  // namespace waggle::engine::state
