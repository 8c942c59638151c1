// A range of keys inside one column family, and the visitor that iteration
// over it calls.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "engine/state/key_codec.h"

namespace waggle::engine::state {

// The keys k with start <= k < limit; an empty limit means "to the end of the
// column family".
struct KeyRange {
  std::string start;
  std::string limit;

  static KeyRange All() { return {}; }
  static KeyRange Prefix(std::string_view prefix) {
    return {std::string(prefix), PrefixSuccessor(prefix)};
  }
};

// Called once per entry in key order; returns false to stop the iteration.
// The views are valid only during the call.
using EntryVisitor = std::function<bool(std::string_view key, std::string_view value)>;

}  // namespace waggle::engine::state
