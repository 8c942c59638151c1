#include "engine/state/process_state.h"

#include <string>

namespace waggle::engine::state {
namespace {

std::string IdAndVersion(std::string_view process_id, int32_t version) {
  std::string key;
  AppendString(&key, process_id);
  AppendUint32(&key, static_cast<uint32_t>(version));
  return key;
}

std::string IdKey(std::string_view process_id) {
  std::string key;
  AppendString(&key, process_id);
  return key;
}

}  // namespace

void ProcessState::Put(const record::fb::ProcessRecordT& process) {
  fb::DeployedProcessT stored;
  stored.value = std::make_unique<record::fb::ProcessRecordT>(process);
  access_->PutTable<fb::DeployedProcess>(ColumnFamily::kProcessByKey,
                                         state::KeyOf(process.process_definition_key), stored);
  access_->Put(ColumnFamily::kProcessByIdAndVersion,
               IdAndVersion(process.bpmn_process_id, process.version),
               state::KeyOf(process.process_definition_key));
  if (process.version > LatestVersion(process.bpmn_process_id)) {
    std::string version;
    AppendUint32(&version, static_cast<uint32_t>(process.version));
    access_->Put(ColumnFamily::kProcessVersion, IdKey(process.bpmn_process_id), version);
  }
}

std::optional<record::fb::ProcessRecordT> ProcessState::GetByKey(int64_t definition_key) const {
  auto stored = access_->GetTable<fb::DeployedProcess>(ColumnFamily::kProcessByKey,
                                                       state::KeyOf(definition_key));
  if (!stored || stored->value == nullptr) return std::nullopt;
  return std::move(*stored->value);
}

std::optional<int64_t> ProcessState::KeyOf(std::string_view process_id, int32_t version) const {
  auto bytes =
      access_->Get(ColumnFamily::kProcessByIdAndVersion, IdAndVersion(process_id, version));
  if (!bytes) return std::nullopt;
  KeyReader reader(*bytes);
  int64_t key;
  if (!reader.ReadInt64(&key)) return std::nullopt;
  return key;
}

int32_t ProcessState::LatestVersion(std::string_view process_id) const {
  auto bytes = access_->Get(ColumnFamily::kProcessVersion, IdKey(process_id));
  if (!bytes) return 0;
  KeyReader reader(*bytes);
  uint32_t version;
  return reader.ReadUint32(&version) ? static_cast<int32_t>(version) : 0;
}

}  // namespace waggle::engine::state
