// PartitionExporters: a partition leader's exporters, on an ExporterRunner
// thread of their own, reading the partition's committed log.
//
// The partition starts them when it becomes a ready leader (with the
// replicated positions it knows) and stops them when it steps down.
// Acknowledged positions go to `on_position` on the runner's thread; the
// partition replicates them (log_batch.h, exporter positions entries), so
// that followers bound compaction by them and the next leader resumes there.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "exporters/config.h"
#include "exporters/runner.h"
#include "partitions/committed_log_reader.h"
#include "partitions/log_batch.h"
#include "replication/driver/multi_raft.h"

namespace waggle::partitions {

// Makes fresh exporter instances for a partition (LoadExporter by default;
// tests inject their own).
using ExporterLoader =
    std::function<Result<exporters::LoadedExporter>(const exporters::ExporterConfig&, int32_t)>;

class PartitionExporters {
 public:
  using OnPosition = std::function<void(const std::string& id, const exporters::ExporterPosition&)>;

  // REQUIRES: driver outlives this; `commit_position` is the position of the
  // last committed record, kept current by the partition.
  PartitionExporters(replication::MultiRaft* driver, replication::GroupId group,
                     const std::atomic<int64_t>* commit_position);
  ~PartitionExporters();  // Stop()

  // Loads every configured exporter afresh and starts exporting after the
  // given positions. On an error nothing runs.
  Status Start(const std::vector<exporters::ExporterConfig>& configs, const ExporterLoader& load,
               int32_t partition_id, const ExporterPositions& positions, OnPosition on_position);
  // Closes the exporters (they flush what they can); idempotent.
  void Stop();
  bool running() const { return runner_ != nullptr; }
  // Records were committed.
  void NotifyCommitted();
  std::vector<exporters::ExporterStatus> Statuses() const;

 private:
  class PositionStore;

  replication::MultiRaft* const driver_;
  const replication::GroupId group_;
  const std::atomic<int64_t>* const commit_position_;
  std::unique_ptr<CommittedLogReader> source_;
  std::unique_ptr<PositionStore> store_;
  std::unique_ptr<exporters::ExporterRunner> runner_;
};

}  // namespace waggle::partitions
