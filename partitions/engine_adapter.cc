#include "partitions/engine_adapter.h"

namespace waggle::partitions {

namespace {

class WorkflowEngine final : public PartitionEngine {
 public:
  explicit WorkflowEngine(std::unique_ptr<engine::Engine> engine) : engine_(std::move(engine)) {}

  Result<engine::ProcessingResult> ProcessCommand(const record::fb::Record& command,
                                                  int64_t position) override {
    return engine_->ProcessCommand(command, position);
  }
  Status Replay(const record::fb::Record& record, int64_t position) override {
    return engine_->Replay(record, position);
  }
  int64_t LastProcessedPosition() const override { return engine_->LastProcessedPosition(); }
  std::optional<int64_t> NextDueDate() const override { return engine_->NextDueDate(); }
  std::vector<record::fb::RecordT> DueCommands(int64_t now, size_t limit) override {
    return engine_->DueCommands(now, limit);
  }
  std::vector<engine::PartitionCommand> PendingOutgoing() override {
    return engine_->PendingOutgoing();
  }

 private:
  const std::unique_ptr<engine::Engine> engine_;
};

}  // namespace

EngineFactory WorkflowEngineFactory(int32_t partition_count) {
  return [partition_count](engine::state::StateStore* store,
                           int32_t partition_id) -> Result<std::unique_ptr<PartitionEngine>> {
    engine::EngineOptions options;
    options.partition_id = partition_id;
    options.partition_count = partition_count;
    Result<std::unique_ptr<engine::Engine>> engine = engine::Engine::Open(store, options);
    if (!engine.ok()) return engine.status();
    return std::unique_ptr<PartitionEngine>(new WorkflowEngine(std::move(*engine)));
  };
}

}  // namespace waggle::partitions
