// CommittedLogReader: a partition's committed records by position, read from
// its Raft log (exporters, record streams). Any member can read; each reader
// is used by one thread at a time.
//
// Positions map to entries only by reading them, so the reader keeps a
// cursor: the entry to read next when asked for the records after the last
// one it returned, which is the usual call. Any other call scans from the
// log's first entry.
#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

#include "exporters/source.h"
#include "replication/driver/multi_raft.h"

namespace waggle::partitions {

class CommittedLogReader final : public exporters::CommittedRecordSource {
 public:
  // REQUIRES: driver and commit_position outlive the reader;
  // `commit_position` is the position of the last committed record.
  CommittedLogReader(replication::MultiRaft* driver, replication::GroupId group,
                     const std::atomic<int64_t>* commit_position);

  // Compacted when `after` >= 0 and records just above it are no longer in
  // the log.
  Status ReadAfter(int64_t after, size_t max_records,
                   std::vector<exporters::CommittedRecord>* out) override;
  int64_t CommitPosition() const override;

 private:
  replication::MultiRaft* const driver_;
  const replication::GroupId group_;
  const std::atomic<int64_t>* const commit_position_;
  int64_t cursor_after_ = -2;  // no cursor yet
  raft::Index cursor_index_ = 0;
};

}  // namespace waggle::partitions
