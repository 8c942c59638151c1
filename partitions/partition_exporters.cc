#include "partitions/partition_exporters.h"

#include <map>

namespace waggle::partitions {

namespace {

constexpr size_t kReadBytes = 1 << 20;

}  // namespace

// The committed records of the partition's log, by position. Positions map
// to entries only by reading them, so it keeps a cursor: the entry to read
// next when the director asks for the records after the last one it got,
// which is the usual call. Any other call scans from the log's first entry;
// that happens when a director opens, and compaction keeps the log short
// before the lowest exporter position.
class PartitionExporters::LogSource final : public exporters::CommittedRecordSource {
 public:
  LogSource(replication::MultiRaft* driver, replication::GroupId group,
            const std::atomic<int64_t>* commit_position)
      : driver_(driver), group_(group), commit_position_(commit_position) {}

  Status ReadAfter(int64_t after, size_t max_records,
                   std::vector<exporters::CommittedRecord>* out) override {
    out->clear();
    raft::Index index = cursor_after_ == after ? cursor_index_ : 0;
    bool from_start = index == 0;
    if (from_start) {
      Result<replication::GroupState> state = driver_->State(group_);
      if (!state.ok()) return state.status();
      index = std::max<raft::Index>(state->first_index, 1);
    }
    std::vector<raft::Entry> entries;
    while (out->size() < max_records) {
      Status s = driver_->ReadCommitted(group_, index, kReadBytes, &entries);
      if (s.code() == Status::Code::kUnavailable) break;  // nothing more committed
      if (!s.ok()) return s;
      if (entries.empty()) break;
      for (const raft::Entry& e : entries) {
        if (out->size() == max_records) break;
        if (e.type != raft::EntryType::kNormal || IsExporterPositions(e.data)) {
          index = e.index + 1;
          continue;
        }
        Result<LogBatch> batch = DecodeLogBatch(e.data);
        if (!batch.ok()) return batch.status();
        if (from_start) {
          // Records between `after` and the log's first record are gone.
          if (after >= 0 && batch->first_position > after + 1) {
            return Status::Compacted("records after position " + std::to_string(after) +
                                     " are compacted");
          }
          from_start = false;
        }
        for (size_t i = 0; i < batch->records.size() && out->size() < max_records; ++i) {
          const int64_t position = batch->first_position + static_cast<int64_t>(i);
          if (position <= after) continue;
          out->push_back({position, std::string(batch->records[i])});
        }
        // Stay on an entry whose records were not all taken.
        const int64_t taken = out->empty() ? after : out->back().position;
        index = taken < batch->last_position() ? e.index : e.index + 1;
      }
    }
    cursor_after_ = out->empty() ? after : out->back().position;
    cursor_index_ = index;
    return Status::OK();
  }

  int64_t CommitPosition() const override {
    const int64_t position = commit_position_->load(std::memory_order_acquire);
    return position > 0 ? position : -1;
  }

 private:
  replication::MultiRaft* const driver_;
  const replication::GroupId group_;
  const std::atomic<int64_t>* const commit_position_;
  int64_t cursor_after_ = -2;  // no cursor yet
  raft::Index cursor_index_ = 0;
};

class PartitionExporters::PositionStore final : public exporters::ExporterPositionStore {
 public:
  explicit PositionStore(OnPosition on_position) : on_position_(std::move(on_position)) {}
  void PositionAdvanced(std::string_view exporter_id,
                        const exporters::ExporterPosition& position) override {
    on_position_(std::string(exporter_id), position);
  }

 private:
  const OnPosition on_position_;
};

PartitionExporters::PartitionExporters(replication::MultiRaft* driver, replication::GroupId group,
                                       const std::atomic<int64_t>* commit_position)
    : driver_(driver), group_(group), commit_position_(commit_position) {}

PartitionExporters::~PartitionExporters() {
  Stop();
}

Status PartitionExporters::Start(const std::vector<exporters::ExporterConfig>& configs,
                                 const ExporterLoader& load, int32_t partition_id,
                                 const ExporterPositions& positions, OnPosition on_position) {
  Stop();
  std::vector<exporters::LoadedExporter> loaded;
  for (const exporters::ExporterConfig& config : configs) {
    Result<exporters::LoadedExporter> exporter = load(config, partition_id);
    if (!exporter.ok()) return exporter.status();
    loaded.push_back(std::move(*exporter));
  }
  source_ = std::make_unique<LogSource>(driver_, group_, commit_position_);
  store_ = std::make_unique<PositionStore>(std::move(on_position));
  auto director = std::make_unique<exporters::ExporterDirector>(source_.get(), store_.get());
  std::map<std::string, exporters::ExporterPosition> from(positions.begin(), positions.end());
  if (Status s = director->Open(std::move(loaded), from, exporters::TimePoint(0)); !s.ok()) {
    return s;
  }
  runner_ = std::make_unique<exporters::ExporterRunner>(std::move(director));
  runner_->Start();
  return Status::OK();
}

void PartitionExporters::Stop() {
  if (runner_) runner_->Stop();
  runner_.reset();
  store_.reset();
  source_.reset();
}

void PartitionExporters::NotifyCommitted() {
  if (runner_) runner_->NotifyCommitted();
}

std::vector<exporters::ExporterStatus> PartitionExporters::Statuses() const {
  return runner_ ? runner_->Statuses() : std::vector<exporters::ExporterStatus>();
}

}  // namespace waggle::partitions
