// The production PartitionEngine: the workflow engine (engine/engine.h).
#pragma once

#include "partitions/partition_engine.h"

namespace waggle::partitions {

// Opens an engine::Engine per partition of a cluster of `partition_count`.
EngineFactory WorkflowEngineFactory(int32_t partition_count);

}  // namespace waggle::partitions
