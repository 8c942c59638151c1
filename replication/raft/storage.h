// Storage: the core's read-only view of the durable log and snapshot.
//
// The core never writes storage. The driver persists what a Ready hands it
// (entries, hard state, snapshot) and only then calls RawNode::advance(); from
// that moment the core reads those entries back through this interface.
#pragma once

#include <vector>

#include "common/status.h"
#include "replication/raft/types.h"

namespace waggle::raft {

class Storage {
 public:
  virtual ~Storage() = default;

  // Term, vote and commit as last persisted. Used once, at start.
  virtual HardState hard_state() const = 0;

  // Index of the first entry still held; snapshot().meta.index + 1.
  virtual Index first_index() const = 0;
  // Index of the last entry held; snapshot().meta.index when the log is empty.
  virtual Index last_index() const = 0;

  // Term of entry i. Defined for first_index() - 1 <= i <= last_index()
  // (first_index() - 1 answers with the snapshot's term).
  // Errors: kCompacted below that range, kUnavailable above it.
  virtual Result<Term> term(Index i) const = 0;

  // Appends entries [lo, hi) to *out, stopping early once max_bytes would be
  // passed, but always returning at least one entry when lo < hi.
  // Errors: kCompacted if lo < first_index(), kUnavailable if hi > last_index() + 1.
  virtual Status entries(Index lo, Index hi, size_t max_bytes, std::vector<Entry>* out) const = 0;

  // The newest snapshot; empty() when there is none.
  virtual Snapshot snapshot() const = 0;
};

}  // namespace waggle::raft
