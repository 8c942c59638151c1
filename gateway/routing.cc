#include "gateway/routing.h"

#include <cstdlib>

namespace waggle::gateway {

int32_t CorrelationKeyHash(std::string_view correlation_key) {
  // Unsigned arithmetic wraps as Java's int does; the bytes are sign-extended
  // as Java's byte is.
  uint32_t h = 0;
  for (char c : correlation_key) {
    h = 31 * h + static_cast<uint32_t>(static_cast<int32_t>(static_cast<int8_t>(c)));
  }
  return static_cast<int32_t>(h);
}

int32_t CorrelationKeyPartition(std::string_view correlation_key, int32_t partitions_count) {
  // hash % count has |result| < count, so abs cannot overflow (unlike
  // abs(hash) for INT32_MIN).
  return std::abs(CorrelationKeyHash(correlation_key) % partitions_count) + 1;
}

int32_t RoundRobin::Next(int32_t partitions_count, const std::function<bool(int32_t)>& has_leader) {
  if (partitions_count <= 0) return 0;
  const uint32_t start = cursor_.fetch_add(1, std::memory_order_relaxed);
  for (int32_t i = 0; i < partitions_count; ++i) {
    const int32_t partition =
        static_cast<int32_t>((start + static_cast<uint32_t>(i)) % partitions_count) + 1;
    if (has_leader(partition)) return partition;
  }
  return 0;
}

int32_t JobTypeRoundRobin::Start(const std::string& type, int32_t partitions_count) {
  std::lock_guard lock(mu_);
  const uint32_t cursor = cursors_[type]++;
  return static_cast<int32_t>(cursor % static_cast<uint32_t>(partitions_count)) + 1;
}

}  // namespace waggle::gateway
