#include "common/status.h"

namespace waggle {

namespace {
const char* code_name(Status::Code code) {
  switch (code) {
    case Status::Code::kOk: return "OK";
    case Status::Code::kNotFound: return "NotFound";
    case Status::Code::kInvalidArgument: return "InvalidArgument";
    case Status::Code::kCorruption: return "Corruption";
    case Status::Code::kIOError: return "IOError";
    case Status::Code::kNotLeader: return "NotLeader";
    case Status::Code::kCompacted: return "Compacted";
    case Status::Code::kUnavailable: return "Unavailable";
    case Status::Code::kBusy: return "Busy";
    case Status::Code::kAborted: return "Aborted";
  }
  return "Unknown";
}
}  // namespace

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out = code_name(code_);
  if (!message_.empty()) out += ": " + message_;
  if (code_ == Code::kNotLeader) out += " (leader hint " + std::to_string(leader_hint_) + ")";
  return out;
}

}  // namespace waggle
