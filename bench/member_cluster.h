// MemberCluster: `waggle log-member` processes on 127.0.0.1, for the
// benchmark. Each member is a child process (fork/exec) with its own data
// directory under a temporary directory, its output in member-N.log there.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"

namespace waggle::log {
class StatusResponse;
}

namespace waggle::bench {

using NodeId = uint64_t;

struct ClusterOptions {
  std::string waggle_binary;
  int members = 3;
  int groups = 1;
  int tick_ms = 50;
  int heartbeat_ticks = 1;
  int election_ticks = 5;
  bool fsync = true;
};

// Role, leader and term of one group as one member reports it.
struct GroupView {
  std::string role;
  NodeId leader = 0;
  uint64_t term = 0;
  uint64_t commit = 0;
  uint64_t last_index = 0;
};

// A member's driver counters (all groups).
struct DriverCounters {
  uint64_t rounds = 0;
  uint64_t syncs = 0;
  uint64_t entries_committed = 0;
};

class MemberCluster {
 public:
  explicit MemberCluster(ClusterOptions options);
  // Kills every member still running and deletes the data directory.
  ~MemberCluster();
  MemberCluster(const MemberCluster&) = delete;
  MemberCluster& operator=(const MemberCluster&) = delete;

  // Picks free ports, creates the temporary directory, starts every member.
  Status Start();
  // (Re)starts one member with its old ports and data.
  Status StartMember(NodeId id);
  // SIGKILL, then reaps the process.
  void Kill(NodeId id);

  std::vector<NodeId> ids() const;
  bool running(NodeId id) const;
  pid_t pid(NodeId id) const;
  const std::string& client_address(NodeId id) const;
  std::map<NodeId, std::string> client_addresses() const;
  const ClusterOptions& options() const { return options_; }

  // One member's view of `group`; errors if it does not answer within timeout.
  Result<GroupView> View(NodeId id, uint32_t group, std::chrono::milliseconds timeout) const;
  Result<DriverCounters> Counters(NodeId id, std::chrono::milliseconds timeout) const;
  // The member that a running member reports as leader of `group` in the
  // highest term seen, once one does.
  Result<NodeId> WaitForLeader(uint32_t group, std::chrono::milliseconds timeout) const;
  // Waits until every group has a leader.
  Status WaitForAllLeaders(std::chrono::milliseconds timeout) const;
  // Waits until member `id` holds every entry `leader` had committed when
  // this was called.
  Status WaitCaughtUp(NodeId id, NodeId leader, uint32_t group,
                      std::chrono::milliseconds timeout) const;

  // User plus system CPU time the member process used so far.
  Result<std::chrono::microseconds> CpuTime(NodeId id) const;

 private:
  struct Member;
  Result<waggle::log::StatusResponse> QueryStatus(NodeId id,
                                                  std::chrono::milliseconds timeout) const;

  const ClusterOptions options_;
  std::string dir_;
  std::map<NodeId, std::unique_ptr<Member>> members_;
};

// User plus system CPU time of this process so far.
std::chrono::microseconds OwnCpuTime();

}  // namespace waggle::bench
