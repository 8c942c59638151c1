// Logical column families: one LevelDB keyspace split by a one-byte prefix.
//
// Every stored key is `static_cast<uint8_t>(family) + key`, so a family's keys
// are contiguous and in order, and no family sees another's keys. The numbers
// are persisted in every key: new families are appended with the next number,
// existing ones are never renumbered or reused.
#pragma once

#include <cstdint>

namespace waggle::engine::state {

enum class ColumnFamily : uint8_t {
  kDefault = 0,
  kKeyGenerator = 1,
  kLastProcessedPosition = 2,
  kExporterPositions = 3,
  kProcessByKey = 4,
  kProcessVersion = 5,
  kProcessByIdAndVersion = 6,
  kDeploymentDistribution = 7,
  kElementInstance = 8,
  kElementInstanceChildren = 9,
  kVariables = 10,
  kJobs = 11,
  kJobActivatable = 12,
  kJobDeadlines = 13,
  kJobBackoff = 14,
  kMessages = 15,
  kMessageIds = 16,
  kMessageDeadlines = 17,
  kMessageSubscriptions = 18,
  kProcessMessageSubscriptions = 19,
  kMessageStartEventSubscriptions = 20,
  kTimers = 21,
  kTimerDueDates = 22,
  kIncidents = 23,
  kIncidentsByElementInstance = 24,
  kIncidentsByJob = 25,
  kEventTriggers = 26,
  kAwaitingResults = 27,
  kTakenSequenceFlows = 28,
  kCommandDistribution = 29,
  // (bpmn process id, correlation key) -> process instance key: the instance
  // a message start event created, while it is active.
  kMessageStartInstances = 30,
  // process instance key -> (bpmn process id, correlation key): the reverse.
  kMessageStartInstanceKeys = 31,
};

}  // namespace waggle::engine::state
