// waggle_test_broker: `waggle broker` with the partition tests' FakeEngine
// (tests/partitions/fake_engine.h) instead of the workflow engine, so that
// the process tests exercise real broker processes (replication, command
// API, failover, restart) independently of the engine.
#include <string>
#include <vector>

#include "cmd/broker/broker_command.h"
#include "tests/partitions/fake_engine.h"

int main(int argc, char** argv) {
  return waggle::cmd::RunBrokerCommand(std::vector<std::string>(argv + 1, argv + argc),
                                       [](const waggle::partitions::BrokerConfig&) {
                                         return waggle::partitions::testing::FakeEngineFactory();
                                       });
}
