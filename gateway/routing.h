// Routing: which partition a gateway request goes to, as Zeebe's gateway
// decides it. Pure logic, no I/O; the dispatcher (dispatcher.h) applies it.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace waggle::gateway {

// Zeebe's hash of a message correlation key (SubscriptionUtil): h = 31*h + b
// over the key's UTF-8 bytes, each byte signed, in wrapping int32 arithmetic
// (Java's String.hashCode for ASCII keys).
int32_t CorrelationKeyHash(std::string_view correlation_key);

// The partition that owns messages with this correlation key:
// |hash % partitions_count| + 1. REQUIRES: partitions_count > 0.
int32_t CorrelationKeyPartition(std::string_view correlation_key, int32_t partitions_count);

// Hands out partitions 1..count in turn, skipping those without a known
// leader. Thread-safe.
class RoundRobin {
 public:
  // The next partition whose has_leader(partition) holds, or 0 when none
  // does (then the request cannot be routed: UNAVAILABLE).
  int32_t Next(int32_t partitions_count, const std::function<bool(int32_t)>& has_leader);

 private:
  std::atomic<uint32_t> cursor_{0};
};

// One round-robin cursor per job type, so that workers of one type spread
// their ActivateJobs over all partitions regardless of other types' traffic.
// Thread-safe.
class JobTypeRoundRobin {
 public:
  // The partition to start this request's visit at (1..count); successive
  // calls for one type move on by one. REQUIRES: partitions_count > 0.
  int32_t Start(const std::string& type, int32_t partitions_count);

 private:
  std::mutex mu_;
  std::map<std::string, uint32_t, std::less<>> cursors_;
};

}  // namespace waggle::gateway
