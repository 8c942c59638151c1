// LogMember: one member of a replicated-log cluster as a process. It hosts
// `groups` Raft groups over the gRPC transport and serves LogService to
// clients. It is waggle's main job until the broker exists, and the system
// under test of the process tests and the replication benchmark.
#pragma once

#include <chrono>
#include <map>
#include <string>

#include "common/status.h"
#include "replication/raft/types.h"

namespace waggle::cmd {

struct LogMemberOptions {
  raft::NodeId id = 0;
  // Internal (Raft) address of every member, this one included.
  std::map<raft::NodeId, std::string> members;
  std::string client_address;  // host:port serving LogService
  std::string data_dir;
  int groups = 1;
  // Heartbeat every 100 ms, election timeout 300-600 ms: fast failover, and
  // 64 idle groups stay under 2% of a core (docs/benchmarks.md).
  std::chrono::milliseconds tick{50};
  int heartbeat_ticks = 2;
  int election_ticks = 6;
  bool fsync = true;
  // Print role changes and commit progress to stdout.
  bool verbose = true;
};

// Parses `waggle log-member` flags. Errors name the flag.
Result<LogMemberOptions> ParseLogMemberFlags(const std::vector<std::string>& args);

// Runs until SIGINT or SIGTERM. Returns non-OK if it could not start.
Status RunLogMember(const LogMemberOptions& options);

}  // namespace waggle::cmd
