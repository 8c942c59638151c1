// Backpressure: a per-partition limit on commands in flight (written but not
// yet answered), adapted to measured latency with AIMD as Zeebe's default:
// each answer faster than the expected latency raises the limit by one, a
// slower one or a timeout cuts it by the backoff ratio. A command over the
// limit is refused (RESOURCE_EXHAUSTED) instead of piling up.
//
// Not thread-safe: one partition thread uses it.
#pragma once

#include <algorithm>
#include <chrono>

#include "common/record/record_generated.h"

namespace waggle::partitions {

struct AimdOptions {
  int initial_limit = 100;
  int min_limit = 1;
  int max_limit = 1000;
  double backoff_ratio = 0.9;
  std::chrono::milliseconds expected_latency{200};
};

class AimdLimiter {
 public:
  explicit AimdLimiter(AimdOptions options = {})
      : options_(options), limit_(options.initial_limit) {}

  // Takes a slot; false when the limit is reached.
  bool TryAcquire() {
    if (inflight_ >= limit_) return false;
    inflight_++;
    return true;
  }

  // Gives a slot back. `dropped`: the command timed out or was lost.
  // REQUIRES: a slot was taken.
  void Release(std::chrono::milliseconds latency, bool dropped) {
    inflight_--;
    if (dropped || latency > options_.expected_latency) {
      limit_ = std::max(options_.min_limit, static_cast<int>(limit_ * options_.backoff_ratio));
    } else {
      limit_ = std::min(options_.max_limit, limit_ + 1);
    }
  }

  int limit() const { return limit_; }
  int inflight() const { return inflight_; }

 private:
  const AimdOptions options_;
  int limit_;
  int inflight_ = 0;
};

// Commands Zeebe never refuses for backpressure, because they free resources
// or finish work already accepted: job COMPLETE and FAIL, process instance
// CANCEL, deployment distribution, command distribution ACKNOWLEDGE.
bool IsExemptFromBackpressure(const record::fb::Record& command);

}  // namespace waggle::partitions
