#include "replication/journal/format.h"

#include <charconv>
#include <cstdio>

#include "replication/journal/crc32c.h"

namespace waggle::journal {
namespace {

constexpr uint32_t kSegmentMagic = 0x4c4e4a57;  // "WJNL"
constexpr uint32_t kSegmentVersion = 1;
constexpr size_t kSegmentNameDigits = 20;
constexpr std::string_view kSegmentSuffix = ".log";

}  // namespace

void PutFixed32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void PutFixed64(std::string* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint32_t GetFixed32(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

uint64_t GetFixed64(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

std::string SegmentFileName(raft::Index first_index) {
  char name[32];
  std::snprintf(name, sizeof(name), "%020llu.log", static_cast<unsigned long long>(first_index));
  return name;
}

std::optional<raft::Index> ParseSegmentFileName(std::string_view name) {
  if (name.size() != kSegmentNameDigits + kSegmentSuffix.size() ||
      !name.ends_with(kSegmentSuffix)) {
    return std::nullopt;
  }
  raft::Index index = 0;
  const char* end = name.data() + kSegmentNameDigits;
  auto [ptr, ec] = std::from_chars(name.data(), end, index);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return index;
}

void AppendSegmentHeader(raft::Index first_index, std::string* out) {
  const size_t start = out->size();
  PutFixed32(out, kSegmentMagic);
  PutFixed32(out, kSegmentVersion);
  PutFixed64(out, first_index);
  PutFixed32(out, crc32c::Value(std::string_view(*out).substr(start, 16)));
  PutFixed32(out, 0);
}

Result<raft::Index> DecodeSegmentHeader(std::string_view header) {
  if (header.size() < kSegmentHeaderSize) return Status::Corruption("short segment header");
  if (GetFixed32(header.data()) != kSegmentMagic) return Status::Corruption("bad segment magic");
  if (GetFixed32(header.data() + 16) != crc32c::Value(header.substr(0, 16))) {
    return Status::Corruption("bad segment header checksum");
  }
  uint32_t version = GetFixed32(header.data() + 4);
  if (version != kSegmentVersion) {
    return Status::Corruption("unsupported segment version " + std::to_string(version));
  }
  return GetFixed64(header.data() + 8);
}

void AppendFrame(const raft::Entry& entry, std::string* out) {
  const size_t start = out->size();
  PutFixed32(out, static_cast<uint32_t>(kFrameFixedBody + entry.data.size()));
  PutFixed32(out, 0);  // crc, filled in below
  PutFixed64(out, entry.index);
  PutFixed64(out, entry.term);
  out->push_back(static_cast<char>(entry.type));
  out->append(entry.data);
  const size_t body = start + 8;
  uint32_t crc = crc32c::Extend(0, out->data() + body, out->size() - body);
  for (int i = 0; i < 4; ++i) (*out)[start + 4 + i] = static_cast<char>((crc >> (8 * i)) & 0xff);
}

const char* to_string(FrameError error) {
  switch (error) {
    case FrameError::kNone: return "ok";
    case FrameError::kTruncated: return "truncated frame";
    case FrameError::kBadLength: return "bad frame length";
    case FrameError::kBadChecksum: return "checksum mismatch";
    case FrameError::kBadType: return "unknown entry type";
  }
  return "unknown frame error";
}

FrameError DecodeFrame(std::string_view in, FrameView* frame) {
  if (in.size() < kFrameHeaderSize) return FrameError::kTruncated;
  const uint32_t length = GetFixed32(in.data());
  if (length < kFrameFixedBody) return FrameError::kBadLength;
  if (in.size() - 8 < length) return FrameError::kTruncated;
  const char* body = in.data() + 8;
  if (GetFixed32(in.data() + 4) != crc32c::Extend(0, body, length)) {
    return FrameError::kBadChecksum;
  }
  const auto type = static_cast<uint8_t>(body[16]);
  if (type != static_cast<uint8_t>(raft::EntryType::kNormal) &&
      type != static_cast<uint8_t>(raft::EntryType::kNoOp)) {
    return FrameError::kBadType;
  }
  frame->index = GetFixed64(body);
  frame->term = GetFixed64(body + 8);
  frame->type = static_cast<raft::EntryType>(type);
  frame->data = std::string_view(body + kFrameFixedBody, length - kFrameFixedBody);
  frame->size = 8 + static_cast<size_t>(length);
  return FrameError::kNone;
}

}  // namespace waggle::journal
