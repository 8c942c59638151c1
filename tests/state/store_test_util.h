// Helpers shared by the state tests.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/state/state_store.h"

namespace waggle::engine::state {

using Entries = std::vector<std::pair<std::string, std::string>>;

inline std::unique_ptr<StateStore> OpenStore(const std::string& dir) {
  StateStoreOptions options;
  options.sync_writes = false;
  Result<std::unique_ptr<StateStore>> store = StateStore::Open(dir, options);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(store).value() : nullptr;
}

// Everything an Iterate call visits, in order.
template <typename Source>
Entries Collect(Source& source, ColumnFamily family, const KeyRange& range = KeyRange::All()) {
  Entries entries;
  const Status status = source.Iterate(family, range, [&](std::string_view k, std::string_view v) {
    entries.emplace_back(k, v);
    return true;
  });
  EXPECT_TRUE(status.ok()) << status.ToString();
  return entries;
}

}  // namespace waggle::engine::state
