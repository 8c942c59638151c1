// The on-disk format of journal segments.
//
// A segment file is named by the index of its first entry, zero-padded to 20
// digits ("00000000000000000001.log"), and holds a header followed by frames:
//
//   header (24 bytes): magic u32 | version u32 | first index u64 |
//                      crc32c of the previous 16 bytes u32 | zero u32
//   frame:             length u32 | crc32c u32 | index u64 | term u64 | type u8 | data
//
// Integers are little-endian. A frame's length counts the bytes after its crc
// field (17 + data size); the crc covers exactly those bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "replication/raft/types.h"

namespace waggle::journal {

inline constexpr size_t kSegmentHeaderSize = 24;
inline constexpr size_t kFrameHeaderSize = 25;
// Frame bytes covered by the length field besides the data.
inline constexpr size_t kFrameFixedBody = kFrameHeaderSize - 8;
inline constexpr size_t kMaxEntryData = UINT32_MAX - kFrameFixedBody;

std::string SegmentFileName(raft::Index first_index);
// The first index a segment file name stands for; nullopt if name is not one.
std::optional<raft::Index> ParseSegmentFileName(std::string_view name);

void AppendSegmentHeader(raft::Index first_index, std::string* out);
// The first index recorded in a header; kCorruption if it is not a valid one.
Result<raft::Index> DecodeSegmentHeader(std::string_view header);

inline size_t FrameSize(size_t data_size) {
  return kFrameHeaderSize + data_size;
}
// REQUIRES: entry.data.size() <= kMaxEntryData
void AppendFrame(const raft::Entry& entry, std::string* out);

enum class FrameError : uint8_t {
  kNone = 0,
  kTruncated,    // fewer bytes left than the header or the length announce
  kBadLength,    // length too small to hold a frame body
  kBadChecksum,  // crc32c does not match
  kBadType,      // unknown entry type
};
const char* to_string(FrameError error);

struct FrameView {
  raft::Index index = 0;
  raft::Term term = 0;
  raft::EntryType type = raft::EntryType::kNormal;
  std::string_view data;
  size_t size = 0;  // bytes of the whole frame
};

// Decodes the frame at the start of in, verifying its checksum.
FrameError DecodeFrame(std::string_view in, FrameView* frame);

// Little-endian fixed-width integers, shared with the store files.
void PutFixed32(std::string* out, uint32_t v);
void PutFixed64(std::string* out, uint64_t v);
uint32_t GetFixed32(const char* p);
uint64_t GetFixed64(const char* p);

}  // namespace waggle::journal
