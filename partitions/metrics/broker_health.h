// The broker's probes and partition status document, as pure functions of
// the partitions' samples (BrokerMonitoring serves them).
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "partitions/metrics/partition_sample.h"

namespace waggle::partitions {

struct Readiness {
  bool ready = false;
  std::string reason;  // why not, or a summary when ready
};

// Ready when every hosted partition is healthy and settled in its role: a
// leader that processes (its term's first entry is committed), or a follower
// that knows its leader. A broker hosting no partition is ready.
Readiness BrokerReadiness(const std::map<int32_t, PartitionSample>& partitions);

// GET /partitions: one object per hosted partition (docs/operations.md).
nlohmann::json PartitionsDocument(const std::map<int32_t, PartitionSample>& partitions);

}  // namespace waggle::partitions
