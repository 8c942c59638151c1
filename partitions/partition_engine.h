// PartitionEngine: what a Partition needs of the engine, as an interface, so
// that the partition's tests can drive a small deterministic fake. Its
// contract is engine::Engine's (engine/engine.h), method for method; the
// production implementation forwards to an engine::Engine.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "common/status.h"
#include "engine/engine.h"

namespace waggle::partitions {

class PartitionEngine {
 public:
  virtual ~PartitionEngine() = default;
  virtual Result<engine::ProcessingResult> ProcessCommand(const record::fb::Record& command,
                                                          int64_t position) = 0;
  virtual Status Replay(const record::fb::Record& record, int64_t position) = 0;
  virtual int64_t LastProcessedPosition() const = 0;
  virtual std::optional<int64_t> NextDueDate() const = 0;
  virtual std::vector<record::fb::RecordT> DueCommands(int64_t now, size_t limit) = 0;
  virtual std::vector<engine::PartitionCommand> PendingOutgoing() = 0;
};

// Opens an engine over a store, resuming from the state it holds.
// REQUIRES (of the factory): the store outlives the engine.
using EngineFactory = std::function<Result<std::unique_ptr<PartitionEngine>>(
    engine::state::StateStore* store, int32_t partition_id)>;

}  // namespace waggle::partitions
