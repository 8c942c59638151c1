#include "replication/journal/meta_store.h"

#include "replication/journal/crc32c.h"
#include "replication/journal/file.h"
#include "replication/journal/format.h"

namespace waggle::journal {
namespace {

// magic u32 | version u32 | term u64 | vote u64 | commit u64 | crc32c u32
constexpr uint32_t kMagic = 0x53484a57;  // "WJHS"
constexpr uint32_t kVersion = 1;
constexpr size_t kBodySize = 32;
constexpr size_t kFileSize = kBodySize + 4;

}  // namespace

Status SaveHardState(const std::string& dir, const raft::HardState& state, bool sync) {
  std::string contents;
  contents.reserve(kFileSize);
  PutFixed32(&contents, kMagic);
  PutFixed32(&contents, kVersion);
  PutFixed64(&contents, state.term);
  PutFixed64(&contents, state.vote);
  PutFixed64(&contents, state.commit);
  PutFixed32(&contents, crc32c::Value(contents));
  return WriteFileAtomically(dir, kHardStateFileName, {contents}, sync);
}

Result<raft::HardState> LoadHardState(const std::string& dir) {
  const std::string path = JoinPath(dir, kHardStateFileName);
  std::string contents;
  Status s = ReadFile(path, &contents);
  if (s.code() == Status::Code::kNotFound) return raft::HardState{};
  if (!s.ok()) return s;
  if (contents.size() != kFileSize || GetFixed32(contents.data()) != kMagic ||
      GetFixed32(contents.data() + kBodySize) !=
          crc32c::Value(std::string_view(contents).substr(0, kBodySize))) {
    return Status::Corruption(path + ": damaged hard state");
  }
  if (GetFixed32(contents.data() + 4) != kVersion) {
    return Status::Corruption(path + ": unsupported hard state version");
  }
  raft::HardState state;
  state.term = GetFixed64(contents.data() + 8);
  state.vote = GetFixed64(contents.data() + 16);
  state.commit = GetFixed64(contents.data() + 24);
  return state;
}

}  // namespace waggle::journal
