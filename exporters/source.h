// The two interfaces through which the broker plugs an ExporterDirector into
// a partition: where committed records come from, and where acknowledged
// positions go so that they survive failover.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace waggle::exporters {

// One committed record as it lies on the log: its position and its encoded
// bytes (record.fbs, verified by the director before use).
struct CommittedRecord {
  int64_t position;
  std::string bytes;
};

// Reads a partition's committed records. The broker implements it over the
// Raft log of the partition's leader (the director never sees uncommitted
// entries). Called only from the director's thread.
class CommittedRecordSource {
 public:
  virtual ~CommittedRecordSource() = default;

  // Replaces *out with up to `max_records` committed records whose positions
  // are above `after`, in log order (none when nothing newer is committed).
  // after = -1 reads from the first record the log still holds. Compacted
  // when records just above `after` are no longer in the log.
  virtual Status ReadAfter(int64_t after, size_t max_records,
                           std::vector<CommittedRecord>* out) = 0;

  // The position of the last committed record, -1 when none (for lag).
  virtual int64_t CommitPosition() const = 0;
};

// An exporter's acknowledged position and the metadata it stored with it.
struct ExporterPosition {
  int64_t position = -1;  // -1: nothing acknowledged, export from the log's start
  std::optional<std::string> metadata;

  bool operator==(const ExporterPosition&) const = default;
};

// Where acknowledged positions go. The broker implements it so that they
// survive failover (replicated as records on the log, or in the partition
// state that snapshots carry); the next leader's director is opened with
// them. Called only from the director's thread.
class ExporterPositionStore {
 public:
  virtual ~ExporterPositionStore() = default;

  // `exporter_id`'s acknowledged position advanced to `position`. Called at
  // most once per exporter per ExporterDirector::Poll, with the newest value.
  virtual void PositionAdvanced(std::string_view exporter_id, const ExporterPosition& position) = 0;
};

}  // namespace waggle::exporters
