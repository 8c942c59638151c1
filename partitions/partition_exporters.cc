#include "partitions/partition_exporters.h"

#include <map>

namespace waggle::partitions {

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
  source_ = std::make_unique<CommittedLogReader>(driver_, group_, commit_position_);
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
