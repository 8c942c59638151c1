// WorkflowCounts: how many process instances, jobs and incidents a batch of
// records the engine wrote created, activated or completed. The engine stays
// free of metrics: the partition runtime counts what it produced.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/engine.h"

namespace waggle::partitions {

struct WorkflowCounts {
  // PROCESS_INSTANCE ELEMENT_ACTIVATED / ELEMENT_COMPLETED of a PROCESS
  // element: every instance, those a call activity starts included.
  int64_t instances_created = 0;
  int64_t instances_completed = 0;
  int64_t jobs_created = 0;       // JOB CREATED
  int64_t jobs_activated = 0;     // jobs in JOB_BATCH ACTIVATED events
  int64_t jobs_completed = 0;     // JOB COMPLETED
  int64_t incidents_created = 0;  // INCIDENT CREATED

  bool operator==(const WorkflowCounts&) const = default;
};

// Counts events only: commands and rejections change nothing.
WorkflowCounts CountWorkflowRecords(const std::vector<engine::OutputRecord>& records);

}  // namespace waggle::partitions
