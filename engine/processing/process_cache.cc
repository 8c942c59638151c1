#include "engine/processing/process_cache.h"

#include "engine/bpmn/parser.h"

namespace waggle::engine {

std::shared_ptr<const DeployedProcess> ProcessCache::Get(const state::EngineState& state,
                                                         int64_t key) {
  if (auto it = by_key_.find(key); it != by_key_.end()) return it->second;
  std::optional<record::fb::ProcessRecordT> record = state.processes.GetByKey(key);
  if (!record) return nullptr;
  std::string_view xml(reinterpret_cast<const char*>(record->resource.data()),
                       record->resource.size());
  Result<bpmn::ParsedResource> parsed = bpmn::ParseBpmn(xml, record->resource_name);
  if (!parsed.ok()) return nullptr;
  for (auto& model : parsed->processes) {
    if (model->id != record->bpmn_process_id) continue;
    auto process = std::make_shared<DeployedProcess>();
    process->key = key;
    process->bpmn_process_id = record->bpmn_process_id;
    process->version = record->version;
    process->model = model;
    by_key_[key] = process;
    return process;
  }
  return nullptr;
}

void ProcessCache::Add(std::shared_ptr<const DeployedProcess> process) {
  by_key_[process->key] = std::move(process);
}

}  // namespace waggle::engine
