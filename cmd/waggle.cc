// waggle: one binary, one subcommand per role.
#include <absl/synchronization/mutex.h>

#include <cstdio>
#include <string>
#include <vector>

#include "cmd/broker/broker_command.h"
#include "cmd/gateway/gateway_command.h"
#include "cmd/log_member/log_client_command.h"
#include "cmd/log_member/log_member.h"
#include "cmd/stream/stream_command.h"
#include "partitions/engine_adapter.h"

namespace {

constexpr const char* kUsage =
    "usage: waggle <command> [flags]\n"
    "commands:\n"
    "  broker       run one broker (configuration: --config FILE, WAGGLE_BROKER_*\n"
    "               variables, --<setting>=VALUE flags such as --cluster.nodeId=1;\n"
    "               --log.format=json for JSON lines)\n"
    "  log-member   run one member of a replicated-log cluster\n"
    "               --id N --members 1=HOST:PORT,2=HOST:PORT,... --data DIR\n"
    "               [--client HOST:PORT] [--groups N] [--tick-ms MS]\n"
    "               [--heartbeat-ticks N] [--election-ticks N] [--fsync on|off]\n"
    "               [--verbose on|off]\n"
    "  log-status   print each member's groups; exits 0 when every group has a leader\n"
    "               --members 1=HOST:CLIENTPORT,2=HOST:CLIENTPORT,...\n"
    "  log-append   append entries through the leader, following leader changes\n"
    "               --members 1=HOST:CLIENTPORT,... [--group N] [--count N]\n"
    "               [--size BYTES] [--rate PER_SEC] [--batch N] [--inflight N]\n"
    "               [--timeout-ms MS]\n"
    "  gateway      serve Zeebe's gateway protocol in front of brokers\n"
    "               --contact-points HOST:PORT,... (broker command APIs)\n"
    "               [--host ADDR] [--port N (26500)] [--request-timeout-ms MS (15000)]\n"
    "               [--monitoring-port N (9600; metrics and probes, 0: pick one)]\n"
    "               [--log-format text|json]\n"
    "               [--tls-cert PEM --tls-key PEM]\n"
    "  stream       print a partition's committed records as JSON lines as they commit\n"
    "               --brokers HOST:PORT,... (broker command APIs) --partition N\n"
    "               [--from POSITION (0: the oldest kept)] [--count N (0: forever)]\n";

}  // namespace

int main(int argc, char** argv) {
  // Debian's Abseil is built with its debug checks on: every absl::Mutex
  // (gRPC creates several per call) then pays for deadlock-cycle tracking,
  // ~4% of the gateway's CPU under load. waggle's own locks are std::mutex.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  const std::string command = argv[1];
  const std::vector<std::string> args(argv + 2, argv + argc);
  if (command == "log-member") {
    auto options = waggle::cmd::ParseLogMemberFlags(args);
    if (!options.ok()) {
      std::fprintf(stderr, "waggle log-member: %s\n", options.status().message().c_str());
      return 2;
    }
    waggle::Status s = waggle::cmd::RunLogMember(*options);
    if (!s.ok()) {
      std::fprintf(stderr, "waggle log-member: %s\n", s.ToString().c_str());
      return 1;
    }
    return 0;
  }
  if (command == "broker") {
    return waggle::cmd::RunBrokerCommand(args, [](const waggle::partitions::BrokerConfig& c) {
      return waggle::partitions::WorkflowEngineFactory(c.partitions_count);
    });
  }
  if (command == "log-status") return waggle::cmd::RunLogStatusCommand(args);
  if (command == "log-append") return waggle::cmd::RunLogAppendCommand(args);
  if (command == "gateway") return waggle::cmd::RunGatewayCommand(args);
  if (command == "stream") return waggle::cmd::RunStreamCommand(args);
  std::fprintf(stderr, "waggle: unknown command '%s'\n%s", command.c_str(), kUsage);
  return 2;
}
