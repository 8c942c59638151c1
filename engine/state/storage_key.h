// Internal to engine/state: the whole LevelDB key of a column family's key.
#pragma once

#include <string>
#include <string_view>

#include "engine/state/column_family.h"

namespace waggle::engine::state {

inline std::string StorageKey(ColumnFamily family, std::string_view key) {
  std::string storage_key;
  storage_key.reserve(1 + key.size());
  storage_key.push_back(static_cast<char>(family));
  storage_key.append(key);
  return storage_key;
}

}  // namespace waggle::engine::state
