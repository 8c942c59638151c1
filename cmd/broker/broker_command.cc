#include "cmd/broker/broker_command.h"

#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

#include "partitions/broker.h"
#include "partitions/config/broker_config.h"

namespace waggle::cmd {

namespace {

std::atomic<bool> g_stop{false};

}  // namespace

int RunBrokerCommand(const std::vector<std::string>& args, const EngineFactoryFor& engine) {
  partitions::ConfigSources sources;
  sources.args = args;
  Result<partitions::BrokerConfig> config = partitions::LoadBrokerConfig(sources);
  if (!config.ok()) {
    std::fprintf(stderr, "waggle broker: invalid configuration: %s\n",
                 config.status().message().c_str());
    return 2;
  }
  // Installed before Start, so that a signal during start-up is not lost.
  signal(SIGINT, [](int) { g_stop = true; });
  signal(SIGTERM, [](int) { g_stop = true; });
  partitions::Broker broker(*config, engine(*config));
  if (Status s = broker.Start(); !s.ok()) {
    std::fprintf(stderr, "waggle broker: cannot start: %s\n", s.ToString().c_str());
    broker.Stop(std::chrono::milliseconds(0));
    return 1;
  }
  while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  broker.Stop();
  return 0;
}

}  // namespace waggle::cmd
