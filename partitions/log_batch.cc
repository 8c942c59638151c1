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

}  // namespace waggle::partitions
