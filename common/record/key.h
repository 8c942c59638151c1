// Keys as Zeebe makes them: key = (partitionId << 51) + counter, so any key
// names the partition that owns it (requests carrying a key are routed by it).
#pragma once

#include <cassert>
#include <cstdint>

namespace waggle::record {

inline constexpr int kKeyCounterBits = 51;
inline constexpr int64_t kMaxKeyCounter = (int64_t{1} << kKeyCounterBits) - 1;
// 64 - 51 bits leave room for partition ids up to 8191. (Zeebe's
// MAXIMUM_PARTITIONS is 8192, but partition 8192 does not fit in a key.)
inline constexpr int32_t kMaxKeyPartitionId = (1 << (64 - kKeyCounterBits)) - 1;

// REQUIRES: 0 <= partition_id <= kMaxKeyPartitionId, 0 <= counter <= kMaxKeyCounter
constexpr int64_t EncodeKey(int32_t partition_id, int64_t counter) {
  assert(partition_id >= 0 && partition_id <= kMaxKeyPartitionId);
  assert(counter >= 0 && counter <= kMaxKeyCounter);
  // Unsigned, so that partitions >= 4096 wrap into negative keys as in Java.
  return static_cast<int64_t>((static_cast<uint64_t>(partition_id) << kKeyCounterBits) +
                              static_cast<uint64_t>(counter));
}

constexpr int32_t PartitionOf(int64_t key) {
  return static_cast<int32_t>(static_cast<uint64_t>(key) >> kKeyCounterBits);
}

constexpr int64_t CounterOf(int64_t key) {
  return key & kMaxKeyCounter;
}

// Hands out the keys of one partition: counter 1, 2, 3, ... Deterministic,
// so a replica that replays the same records hands out the same keys.
class KeyGenerator {
 public:
  // REQUIRES: 0 < partition_id <= kMaxKeyPartitionId, 0 <= last_counter
  // `last_counter` is the counter of the last key handed out (state restore).
  explicit KeyGenerator(int32_t partition_id, int64_t last_counter = 0)
      : partition_id_(partition_id), last_counter_(last_counter) {
    assert(partition_id > 0 && partition_id <= kMaxKeyPartitionId);
    assert(last_counter >= 0 && last_counter <= kMaxKeyCounter);
  }

  // REQUIRES: fewer than kMaxKeyCounter keys handed out.
  int64_t Next() {
    assert(last_counter_ < kMaxKeyCounter);
    return EncodeKey(partition_id_, ++last_counter_);
  }

  // Replay: a key of this partition seen in an event is never handed out
  // again. Keys of other partitions are ignored.
  void Observe(int64_t key) {
    if (PartitionOf(key) == partition_id_ && CounterOf(key) > last_counter_) {
      last_counter_ = CounterOf(key);
    }
  }

  int32_t partition_id() const { return partition_id_; }
  int64_t last_counter() const { return last_counter_; }

 private:
  int32_t partition_id_;
  int64_t last_counter_;
};

}  // namespace waggle::record
