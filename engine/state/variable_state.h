// Variables by scope: scope key -> its variables (one ScopeVariables entry).
// A scope is an element instance key (the process instance key for the root
// scope). Scopes are cached for the transaction (table_cache.h): Flush
// before it commits.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/state/state_access.h"
#include "engine/state/table_cache.h"

namespace waggle::engine::state {

struct Variable {
  std::string name;
  int64_t key = -1;
  std::string value;  // JSON text
};

class VariableState {
 public:
  using Retained = TableCache<fb::ScopeVariables>::Retained;

  // REQUIRES: `access` and `retained` (if not null) outlive this object.
  VariableState(StateAccess* access, Retained* retained)
      : scopes_(access, ColumnFamily::kVariables, retained) {}

  // Null when absent; valid until the scope changes.
  const fb::StoredVariableT* Find(int64_t scope_key, std::string_view name) const;
  std::optional<Variable> Get(int64_t scope_key, std::string_view name) const;
  void Put(int64_t scope_key, std::string_view name, int64_t variable_key, std::string value);
  // The variables of one scope, in name order.
  std::vector<Variable> OfScope(int64_t scope_key) const;
  void RemoveScope(int64_t scope_key);

  // Writes the cached scopes into the transaction (table_cache.h).
  void Flush() { scopes_.Flush(); }
  void Retain(size_t max_retained) { scopes_.Retain(max_retained); }

 private:
  TableCache<fb::ScopeVariables> scopes_;
};

}  // namespace waggle::engine::state
