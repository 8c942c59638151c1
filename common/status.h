// Status and Result: how errors cross module lines in waggle, instead of
// exceptions. A Status is cheap when OK (no allocation) and carries a code and
// a human-readable message otherwise.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>

namespace waggle {

class Status {
 public:
  enum class Code : uint8_t {
    kOk = 0,
    kNotFound,
    kInvalidArgument,
    kCorruption,
    kIOError,
    kNotLeader,    // this member does not lead the group; leader_hint() may know who does
    kCompacted,    // the requested log index lies below the snapshot
    kUnavailable,  // the requested log index is not (yet) in the log
    kBusy,         // refused for now, e.g. during a leadership transfer
    kAborted,
  };

  Status() = default;
  static Status OK() { return Status(); }
  static Status NotFound(std::string msg) { return {Code::kNotFound, std::move(msg)}; }
  static Status InvalidArgument(std::string msg) {
    return {Code::kInvalidArgument, std::move(msg)};
  }
  static Status Corruption(std::string msg) { return {Code::kCorruption, std::move(msg)}; }
  static Status IOError(std::string msg) { return {Code::kIOError, std::move(msg)}; }
  static Status NotLeader(uint64_t leader_hint) {
    Status s(Code::kNotLeader, "not leader");
    s.leader_hint_ = leader_hint;
    return s;
  }
  static Status Compacted(std::string msg) { return {Code::kCompacted, std::move(msg)}; }
  static Status Unavailable(std::string msg) { return {Code::kUnavailable, std::move(msg)}; }
  static Status Busy(std::string msg) { return {Code::kBusy, std::move(msg)}; }
  static Status Aborted(std::string msg) { return {Code::kAborted, std::move(msg)}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // For kNotLeader: the member believed to lead, or 0 when unknown.
  uint64_t leader_hint() const { return leader_hint_; }

  std::string ToString() const;

 private:
  Status(Code code, std::string msg) : code_(code), message_(std::move(msg)) {}

  Code code_ = Code::kOk;
  std::string message_;
  uint64_t leader_hint_ = 0;
};

// A value or the Status that explains its absence.
template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) { assert(!status_.ok()); }  // NOLINT

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  // REQUIRES: ok()
  T& value() & {
    assert(ok());
    return *value_;
  }
  const T& value() const& {
    assert(ok());
    return *value_;
  }
  T&& value() && {
    assert(ok());
    return std::move(*value_);
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace waggle
