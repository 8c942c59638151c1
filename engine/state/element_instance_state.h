// Element instances that are alive (activating .. terminating), and the
// parent/child index used to terminate a scope's children.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "engine/state/state_access.h"

namespace waggle::engine::state {

class ElementInstanceState {
 public:
  explicit ElementInstanceState(StateAccess* access) : access_(access) {}

  std::optional<fb::ElementInstanceT> Get(int64_t key) const;
  // Stores a new instance and indexes it under its flow scope.
  void Create(int64_t key, const fb::ElementInstanceT& instance);
  // Stores a change to an existing instance.
  void Put(int64_t key, const fb::ElementInstanceT& instance);
  void Remove(int64_t key, int64_t flow_scope_key);
  // Keys of the live children of `flow_scope_key`, in key (creation) order.
  std::vector<int64_t> Children(int64_t flow_scope_key) const;

 private:
  StateAccess* access_;
};

}  // namespace waggle::engine::state
