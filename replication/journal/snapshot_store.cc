#include "replication/journal/snapshot_store.h"

#include <cassert>

#include "replication/journal/crc32c.h"
#include "replication/journal/file.h"
#include "replication/journal/format.h"

namespace waggle::journal {
namespace {

// header: magic u32 | version u32 | index u64 | term u64 | data size u64 |
//         crc32c of data u32 | crc32c of the previous 36 bytes u32
// followed by the data.
constexpr uint32_t kMagic = 0x4e534a57;  // "WJSN"
constexpr uint32_t kVersion = 1;
constexpr size_t kHeaderBody = 36;
constexpr size_t kHeaderSize = kHeaderBody + 4;

}  // namespace

Status SaveSnapshot(const std::string& dir, const raft::Snapshot& snapshot, bool sync) {
  assert(!snapshot.empty());
  const std::string_view data = snapshot.data ? std::string_view(*snapshot.data) : "";
  std::string header;
  header.reserve(kHeaderSize);
  PutFixed32(&header, kMagic);
  PutFixed32(&header, kVersion);
  PutFixed64(&header, snapshot.meta.index);
  PutFixed64(&header, snapshot.meta.term);
  PutFixed64(&header, data.size());
  PutFixed32(&header, crc32c::Value(data));
  PutFixed32(&header, crc32c::Value(header));
  return WriteFileAtomically(dir, kSnapshotFileName, {header, data}, sync);
}

Result<raft::Snapshot> LoadSnapshot(const std::string& dir) {
  const std::string path = JoinPath(dir, kSnapshotFileName);
  auto contents = std::make_shared<std::string>();
  Status s = ReadFile(path, contents.get());
  if (s.code() == Status::Code::kNotFound) return raft::Snapshot{};
  if (!s.ok()) return s;
  const std::string_view file = *contents;
  if (file.size() < kHeaderSize || GetFixed32(file.data()) != kMagic ||
      GetFixed32(file.data() + kHeaderBody) != crc32c::Value(file.substr(0, kHeaderBody))) {
    return Status::Corruption(path + ": damaged snapshot header");
  }
  if (GetFixed32(file.data() + 4) != kVersion) {
    return Status::Corruption(path + ": unsupported snapshot version");
  }
  const uint64_t data_size = GetFixed64(file.data() + 24);
  if (file.size() - kHeaderSize != data_size ||
      GetFixed32(file.data() + 32) != crc32c::Value(file.substr(kHeaderSize))) {
    return Status::Corruption(path + ": damaged snapshot data");
  }
  raft::Snapshot snapshot;
  snapshot.meta.index = GetFixed64(file.data() + 8);
  snapshot.meta.term = GetFixed64(file.data() + 16);
  contents->erase(0, kHeaderSize);
  snapshot.data = std::move(contents);
  return snapshot;
}

}  // namespace waggle::journal
