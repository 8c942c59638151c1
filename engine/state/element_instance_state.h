// Element instances that are alive (activating .. terminating), and the
// parent/child index used to terminate a scope's children. Values are
// cached for the transaction (table_cache.h): Flush before it commits.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "engine/state/state_access.h"
#include "engine/state/table_cache.h"

namespace waggle::engine::state {

class ElementInstanceState {
 public:
  using Retained = TableCache<fb::ElementInstance>::Retained;

  // REQUIRES: `access` and `retained` (if not null) outlive this object.
  ElementInstanceState(StateAccess* access, Retained* retained)
      : access_(access), instances_(access, ColumnFamily::kElementInstance, retained) {}

  // Null when absent; valid until the instance changes.
  const fb::ElementInstanceT* Find(int64_t key) const { return instances_.Find(key); }
  // The instance to change in place; null when absent.
  fb::ElementInstanceT* FindForUpdate(int64_t key) { return instances_.FindForUpdate(key); }
  // A copy.
  std::optional<fb::ElementInstanceT> Get(int64_t key) const;
  // Stores a new instance and indexes it under its flow scope.
  // REQUIRES: `key` is new (never an element instance before).
  void Create(int64_t key, fb::ElementInstanceT instance);
  // Stores a change to an existing instance.
  void Put(int64_t key, fb::ElementInstanceT instance) { instances_.Put(key, std::move(instance)); }
  void Remove(int64_t key, int64_t flow_scope_key);
  // Keys of the live children of `flow_scope_key`, in key (creation) order.
  std::vector<int64_t> Children(int64_t flow_scope_key) const;

  void Flush() { instances_.Flush(); }
  void Retain(size_t max_retained) { instances_.Retain(max_retained); }

 private:
  StateAccess* access_;
  TableCache<fb::ElementInstance> instances_;
};

}  // namespace waggle::engine::state
