#include "engine/state/variable_state.h"

namespace waggle::engine::state {

std::optional<fb::StoredVariableT> VariableState::Get(int64_t scope_key,
                                                      std::string_view name) const {
  return access_->GetTable<fb::StoredVariable>(ColumnFamily::kVariables, KeyOf(scope_key, name));
}

void VariableState::Put(int64_t scope_key, std::string_view name, int64_t variable_key,
                        std::string value) {
  fb::StoredVariableT stored;
  stored.key = variable_key;
  stored.value = std::move(value);
  access_->PutTable<fb::StoredVariable>(ColumnFamily::kVariables, KeyOf(scope_key, name), stored);
}

std::vector<Variable> VariableState::OfScope(int64_t scope_key) const {
  std::vector<Variable> variables;
  access_->ForEachWithPrefix(ColumnFamily::kVariables, KeyOf(scope_key),
                             [&](std::string_view rest, std::string_view bytes) {
                               KeyReader reader(rest);
                               Variable variable;
                               auto stored = Unpack<fb::StoredVariable>(bytes);
                               if (!reader.ReadString(&variable.name) || !stored.ok()) return true;
                               variable.key = stored->key;
                               variable.value = std::move(stored->value);
                               variables.push_back(std::move(variable));
                               return true;
                             });
  return variables;
}

void VariableState::RemoveScope(int64_t scope_key) {
  for (const Variable& variable : OfScope(scope_key)) {
    access_->Delete(ColumnFamily::kVariables, KeyOf(scope_key, variable.name));
  }
}

}  // namespace waggle::engine::state
