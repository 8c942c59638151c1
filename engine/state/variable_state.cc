#include "engine/state/variable_state.h"

#include <algorithm>

namespace waggle::engine::state {

std::optional<Variable> VariableState::Get(int64_t scope_key, std::string_view name) const {
  for (Variable& variable : OfScope(scope_key)) {
    if (variable.name == name) return std::move(variable);
  }
  return std::nullopt;
}

void VariableState::Put(int64_t scope_key, std::string_view name, int64_t variable_key,
                        std::string value) {
  auto scope = access_->GetTable<fb::ScopeVariables>(ColumnFamily::kVariables, KeyOf(scope_key));
  fb::ScopeVariablesT variables = scope ? std::move(*scope) : fb::ScopeVariablesT();
  auto& list = variables.variables;
  auto at = std::lower_bound(list.begin(), list.end(), name,
                             [](const std::unique_ptr<fb::StoredVariableT>& v, std::string_view n) {
                               return v->name < n;
                             });
  if (at == list.end() || (*at)->name != name) {
    at = list.insert(at, std::make_unique<fb::StoredVariableT>());
    (*at)->name = std::string(name);
  }
  (*at)->key = variable_key;
  (*at)->value = std::move(value);
  access_->PutTable<fb::ScopeVariables>(ColumnFamily::kVariables, KeyOf(scope_key), variables);
}

std::vector<Variable> VariableState::OfScope(int64_t scope_key) const {
  std::vector<Variable> out;
  auto scope = access_->GetTable<fb::ScopeVariables>(ColumnFamily::kVariables, KeyOf(scope_key));
  if (!scope) return out;
  out.reserve(scope->variables.size());
  for (auto& variable : scope->variables) {
    out.push_back({std::move(variable->name), variable->key, std::move(variable->value)});
  }
  return out;
}

void VariableState::RemoveScope(int64_t scope_key) {
  access_->Delete(ColumnFamily::kVariables, KeyOf(scope_key));
}

}  // namespace waggle::engine::state
