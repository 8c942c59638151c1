#include "partitions/log_batch.h"

#include <cassert>
#include <cstring>

namespace waggle::partitions {

namespace {

template <typename T>
void Put(std::string& out, T value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));  // little-endian hosts only (x86-64, arm64)
  out.append(bytes, sizeof(T));
}

template <typename T>
bool Take(std::string_view& in, T* value) {
  if (in.size() < sizeof(T)) return false;
  std::memcpy(value, in.data(), sizeof(T));
  in.remove_prefix(sizeof(T));
  return true;
}

}  // namespace

std::string EncodeLogBatch(int64_t first_position, const std::vector<std::string>& records) {
  assert(!records.empty());
  size_t size = sizeof(int64_t) + sizeof(uint32_t);
  for (const std::string& r : records) size += sizeof(uint32_t) + r.size();
  std::string out;
  out.reserve(size);
  Put<int64_t>(out, first_position);
  Put<uint32_t>(out, static_cast<uint32_t>(records.size()));
  for (const std::string& r : records) {
    Put<uint32_t>(out, static_cast<uint32_t>(r.size()));
    out.append(r);
  }
  return out;
}

Result<LogBatch> DecodeLogBatch(std::string_view data) {
  LogBatch batch;
  uint32_t count = 0;
  if (!Take(data, &batch.first_position) || !Take(data, &count) || count == 0) {
    return Status::Corruption("log batch: truncated header or no records");
  }
  batch.records.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t length = 0;
    if (!Take(data, &length) || data.size() < length) {
      return Status::Corruption("log batch: record " + std::to_string(i) + " truncated");
    }
    batch.records.push_back(data.substr(0, length));
    data.remove_prefix(length);
  }
  if (!data.empty()) return Status::Corruption("log batch: trailing bytes");
  return batch;
}

std::string EncodeExporterPositions(const ExporterPositions& positions) {
  std::string out;
  Put<int64_t>(out, 0);
  Put<uint32_t>(out, static_cast<uint32_t>(positions.size()));
  for (const auto& [id, p] : positions) {
    Put<uint32_t>(out, static_cast<uint32_t>(id.size()));
    out.append(id);
    Put<int64_t>(out, p.position);
    Put<uint8_t>(out, p.metadata.has_value());
    const std::string metadata = p.metadata.value_or("");
    Put<uint32_t>(out, static_cast<uint32_t>(metadata.size()));
    out.append(metadata);
  }
  return out;
}

bool IsExporterPositions(std::string_view entry_data) {
  int64_t marker = -1;
  return Take(entry_data, &marker) && marker == 0;
}

Result<ExporterPositions> DecodeExporterPositions(std::string_view data) {
  auto take_string = [&data](std::string* out) {
    uint32_t length = 0;
    if (!Take(data, &length) || data.size() < length) return false;
    out->assign(data.substr(0, length));
    data.remove_prefix(length);
    return true;
  };
  int64_t marker = -1;
  uint32_t count = 0;
  if (!Take(data, &marker) || marker != 0 || !Take(data, &count)) {
    return Status::Corruption("exporter positions: truncated header");
  }
  ExporterPositions positions;
  for (uint32_t i = 0; i < count; ++i) {
    std::string id, metadata;
    exporters::ExporterPosition p;
    uint8_t has_metadata = 0;
    if (!take_string(&id) || !Take(data, &p.position) || !Take(data, &has_metadata) ||
        has_metadata > 1 || !take_string(&metadata)) {
      return Status::Corruption("exporter positions: entry " + std::to_string(i) + " truncated");
    }
    if (has_metadata) p.metadata = std::move(metadata);
    positions[std::move(id)] = std::move(p);
  }
  if (!data.empty()) return Status::Corruption("exporter positions: trailing bytes");
  return positions;
}

}  // namespace waggle::partitions
