// `waggle broker`: one broker process (partitions/broker.h) configured from
// defaults, a YAML file, WAGGLE_BROKER_* variables and flags
// (partitions/config/broker_config.h). Runs until SIGINT or SIGTERM, then
// hands its leaderships over and exits 0.
#pragma once

#include <string>
#include <vector>

#include "partitions/config/broker_config.h"
#include "partitions/partition_engine.h"

namespace waggle::cmd {

// The engine of each partition, given the broker's configuration.
using EngineFactoryFor =
    std::function<partitions::EngineFactory(const partitions::BrokerConfig& config)>;

// Returns the process exit code: 0 after a clean stop, 2 for an invalid
// configuration (the message names the setting), 1 when it could not start.
int RunBrokerCommand(const std::vector<std::string>& args, const EngineFactoryFor& engine);

}  // namespace waggle::cmd
