// MemoryStorage: a Storage held in memory, for tests and the simulator.
//
// The driver-side writes (append, set_hard_state, apply_snapshot) are what a
// durable storage does when it persists a Ready; create_snapshot and compact
// are what the state machine does when it takes a snapshot and trims the log.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "replication/raft/storage.h"

namespace waggle::raft {

class MemoryStorage : public Storage {
 public:
  MemoryStorage();

  HardState hard_state() const override;
  Index first_index() const override;
  Index last_index() const override;
  Result<Term> term(Index i) const override;
  Status entries(Index lo, Index hi, size_t max_bytes, std::vector<Entry>* out) const override;
  Snapshot snapshot() const override;

  // Appends entries, first replacing the suffix that starts at
  // entries.front().index. Entries at or below the compaction point are
  // skipped (they are already covered).
  // REQUIRES: entries are contiguous and entries.front().index <= last_index() + 1.
  // Errors: kInvalidArgument when that would leave a gap.
  Status append(const std::vector<Entry>& entries);

  Status set_hard_state(const HardState& hard_state);

  // Replaces the whole log with the snapshot's image.
  // Errors: kAborted if the snapshot is not newer than the one held.
  Status apply_snapshot(const Snapshot& snapshot);

  // Records a snapshot of the state machine as of `index`; the log keeps its
  // entries until compact() so lagging followers can still be caught up from
  // it. Errors: kAborted if index <= snapshot index, kUnavailable if
  // index > last_index().
  Status create_snapshot(Index index, std::shared_ptr<const std::string> data);

  // Discards entries up to and including `index`; afterwards
  // first_index() == index + 1.
  // Errors: kAborted if index is already compacted, kInvalidArgument if
  // index > snapshot().meta.index (the snapshot must cover what is dropped).
  Status compact(Index index);

 private:
  HardState hard_state_;
  Snapshot snapshot_;
  // entries_[0] is a placeholder for the last compacted entry (its index and
  // term); the real entries follow it.
  std::vector<Entry> entries_;
};

}  // namespace waggle::raft
