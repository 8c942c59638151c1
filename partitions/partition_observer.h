// PartitionObserver: what a partition reports as it happens, so that metrics
// (partitions/metrics/) count events without the partition knowing about
// them. The default implementation ignores everything.
//
// Every call runs on the partition's thread, some once per command: an
// implementation must be cheap (no lock per call), must not block and must
// not call back into the partition.
#pragma once

#include <cstdint>

#include "engine/engine.h"
#include "replication/raft/ready.h"

namespace waggle::partitions {

class PartitionObserver {
 public:
  virtual ~PartitionObserver() = default;

  // The member's role or the leader it knows changed.
  virtual void OnRoleChanged(const raft::SoftState& /*state*/, raft::Term /*term*/) {}
  // The leader processed a command written `latency_ms` before (by the
  // partition's clock and the command's timestamp).
  virtual void OnCommandProcessed(int64_t /*latency_ms*/) {}
  // The records of one processed command are committed.
  virtual void OnOutputCommitted(const engine::ProcessingResult& /*result*/) {}
  // Backpressure refused a command.
  virtual void OnBackpressureRejected() {}
  // This member took a snapshot in `duration_ms`, from the state export
  // until the journal holds it.
  virtual void OnSnapshotTaken(int64_t /*duration_ms*/) {}
  // This member rebuilt its state from a snapshot its leader sent.
  virtual void OnSnapshotInstalled() {}
};

}  // namespace waggle::partitions
