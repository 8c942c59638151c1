#include "engine/processing/bpmn/variables.h"

#include "common/record/intent.h"

namespace waggle::engine {

using nlohmann::json;

std::vector<int64_t> Variables::ScopeChain(int64_t scope_key) const {
  std::vector<int64_t> chain;
  while (scope_key >= 0) {
    chain.push_back(scope_key);
    auto instance = context_.state.element_instances.Get(scope_key);
    if (!instance || instance->value == nullptr) break;
    scope_key = instance->value->flow_scope_key;
  }
  return chain;
}

json Variables::Visible(int64_t scope_key) const {
  json visible = json::object();
  for (int64_t scope : ScopeChain(scope_key)) {
    for (state::Variable& variable : context_.state.variables.OfScope(scope)) {
      if (visible.contains(variable.name)) continue;  // a nearer scope shadows it
      json value = json::parse(variable.value, nullptr, /*allow_exceptions=*/false);
      visible[variable.name] = value.is_discarded() ? json() : std::move(value);
    }
  }
  return visible;
}

json Variables::Visible(int64_t scope_key, const std::vector<std::string>& names) const {
  json all = Visible(scope_key);
  if (names.empty()) return all;
  json selected = json::object();
  for (const std::string& name : names) {
    if (auto it = all.find(name); it != all.end()) selected[name] = *it;
  }
  return selected;
}

void Variables::SetLocal(int64_t scope_key, const record::fb::ProcessInstanceRecordT& instance,
                         std::string_view name, const json& value) {
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  record::fb::VariableRecordT record;
  record.name = std::string(name);
  record.scope_key = scope_key;
  record.process_instance_key = instance.process_instance_key;
  record.process_definition_key = instance.process_definition_key;
  record.bpmn_process_id = instance.bpmn_process_id;
  auto existing = context_.state.variables.Get(scope_key, name);
  if (existing) {
    if (existing->value == text) return;
    record.value = std::move(text);
    context_.writers.Event(existing->key, record::VariableIntent::kUpdated, std::move(record));
  } else {
    record.value = std::move(text);
    context_.writers.Event(context_.keys.Next(), record::VariableIntent::kCreated,
                           std::move(record));
  }
}

void Variables::MergeLocal(int64_t scope_key, const record::fb::ProcessInstanceRecordT& instance,
                           const json& document) {
  if (!document.is_object()) return;
  for (auto it = document.begin(); it != document.end(); ++it) {
    SetLocal(scope_key, instance, it.key(), it.value());
  }
}

void Variables::MergePropagate(int64_t scope_key,
                               const record::fb::ProcessInstanceRecordT& instance,
                               const json& document) {
  if (!document.is_object() || document.empty()) return;
  const std::vector<int64_t> chain = ScopeChain(scope_key);
  if (chain.empty()) return;
  for (auto it = document.begin(); it != document.end(); ++it) {
    int64_t target = chain.back();  // the process instance
    for (int64_t scope : chain) {
      if (context_.state.variables.Get(scope, it.key())) {
        target = scope;
        break;
      }
    }
    SetLocal(target, instance, it.key(), it.value());
  }
}

Result<json> ParseVariablesDocument(std::string_view text, std::string_view field) {
  if (text.empty()) return json::object();
  json document = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) {
    return Status::InvalidArgument("Expected argument '" + std::string(field) +
                                   "' to be a valid JSON document, but it could not be parsed");
  }
  if (document.is_null()) return json::object();
  if (!document.is_object()) {
    return Status::InvalidArgument("Expected argument '" + std::string(field) +
                                   "' to be a JSON object, but got " +
                                   std::string(document.type_name()));
  }
  return document;
}

}  // namespace waggle::engine
