#include "engine/state/variable_state.h"

#include <algorithm>

namespace waggle::engine::state {
namespace {

using VariableList = std::vector<std::unique_ptr<fb::StoredVariableT>>;

// The first variable of `list` (sorted by name) whose name is not less than
// `name`.
template <typename List>
auto LowerBound(List& list, std::string_view name) {
  return std::lower_bound(list.begin(), list.end(), name,
                          [](const std::unique_ptr<fb::StoredVariableT>& v, std::string_view n) {
                            return v->name < n;
                          });
}

}  // namespace

const fb::StoredVariableT* VariableState::Find(int64_t scope_key, std::string_view name) const {
  const fb::ScopeVariablesT* scope = scopes_.Find(scope_key);
  if (scope == nullptr) return nullptr;
  auto at = LowerBound(scope->variables, name);
  if (at == scope->variables.end() || (*at)->name != name) return nullptr;
  return at->get();
}

std::optional<Variable> VariableState::Get(int64_t scope_key, std::string_view name) const {
  const fb::StoredVariableT* variable = Find(scope_key, name);
  if (variable == nullptr) return std::nullopt;
  return Variable{variable->name, variable->key, variable->value};
}

void VariableState::Put(int64_t scope_key, std::string_view name, int64_t variable_key,
                        std::string value) {
  fb::ScopeVariablesT* scope = scopes_.FindForUpdate(scope_key);
  if (scope == nullptr) {
    scopes_.Put(scope_key, fb::ScopeVariablesT());
    scope = scopes_.FindForUpdate(scope_key);
  }
  VariableList& list = scope->variables;
  auto at = LowerBound(list, name);
  if (at == list.end() || (*at)->name != name) {
    at = list.insert(at, std::make_unique<fb::StoredVariableT>());
    (*at)->name = std::string(name);
  }
  (*at)->key = variable_key;
  (*at)->value = std::move(value);
}

std::vector<Variable> VariableState::OfScope(int64_t scope_key) const {
  std::vector<Variable> out;
  const fb::ScopeVariablesT* scope = scopes_.Find(scope_key);
  if (scope == nullptr) return out;
  out.reserve(scope->variables.size());
  for (const auto& variable : scope->variables) {
    out.push_back({variable->name, variable->key, variable->value});
  }
  return out;
}

void VariableState::RemoveScope(int64_t scope_key) {
  // Most scopes have no variables: a lookup (usually cached, or answered by
  // a Bloom filter) is cheaper than the tombstone a blind delete writes.
  if (scopes_.Find(scope_key) != nullptr) scopes_.Remove(scope_key);
}

}  // namespace waggle::engine::state
