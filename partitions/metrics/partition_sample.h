// PartitionSample: what can be read about a hosted partition at one moment
// (its status, its Raft group, its journal, its exporters), for the gauges
// and the status endpoints of the monitoring port.
#pragma once

#include <string>
#include <vector>

#include "partitions/partition.h"
#include "replication/driver/multi_raft.h"

namespace waggle::partitions {

// One exporter's progress on one partition.
struct ExporterProgress {
  std::string id;
  int64_t position = -1;  // last acknowledged
  int64_t lag = 0;        // committed position - acknowledged position
};

struct PartitionSample {
  PartitionStatus status;
  replication::GroupState raft;
  journal::JournalUsage journal;
  std::vector<ExporterProgress> exporters;  // those running on this member
};

}  // namespace waggle::partitions
