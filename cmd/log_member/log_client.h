// LogClient: a client of the LogService of several `waggle log-member`
// processes. It finds the leader of a group, appends through it (following
// not-leader hints and retrying while leadership moves), and reads what each
// member committed. Used by the client subcommands, the process tests and the
// replication benchmark; gRPC stays behind the pimpl so including this header
// is cheap.
//
// Thread-safe: concurrent Append calls share one stream per member and are
// pipelined on it.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "replication/raft/types.h"

namespace waggle::cmd {

using LogGroupId = uint32_t;

struct LogGroupStatus {
  LogGroupId group = 0;
  std::string role;  // "leader", "follower", ...
  raft::NodeId leader = raft::kNoNode;
  raft::Term term = 0;
  raft::Index commit = 0;
  raft::Index applied = 0;
  raft::Index last_index = 0;
  raft::Index first_index = 0;
};

struct LogMemberStatus {
  raft::NodeId node = raft::kNoNode;
  std::vector<LogGroupStatus> groups;
  uint64_t rounds = 0;
  uint64_t syncs = 0;
  uint64_t entries_committed = 0;
};

class LogClient {
 public:
  // members: node id -> client (LogService) address, host:port.
  explicit LogClient(std::map<raft::NodeId, std::string> members);
  ~LogClient();
  LogClient(const LogClient&) = delete;
  LogClient& operator=(const LogClient&) = delete;

  // Errors: kInvalidArgument for a member not given to the constructor,
  // kUnavailable when the member does not answer within timeout.
  Result<LogMemberStatus> StatusOf(raft::NodeId member, std::chrono::milliseconds timeout) const;

  // Asks every member until one of them leads the group (the one with the
  // highest term if several believe they do). Errors: kNotFound when every
  // member answered and none hosts the group, kUnavailable when no leader
  // showed up within timeout.
  Result<raft::NodeId> FindLeader(LogGroupId group, std::chrono::milliseconds timeout) const;

  // Appends entries through the group's leader and returns the index of the
  // first once all committed. Retries on another member when the one asked
  // does not lead, fails, or does not answer within a few seconds, until
  // timeout. At-least-once: an attempt that
  // failed may still have committed, so entries may appear twice.
  Result<raft::Index> Append(LogGroupId group, std::vector<std::string> entries,
                             std::chrono::milliseconds timeout);

  // The member Append currently sends the group's entries to (kNoNode before
  // the first Append).
  raft::NodeId LeaderGuess(LogGroupId group) const;

  // Every entry the member had committed when called, from its first index
  // on, in log order (no-op entries included).
  Result<std::vector<raft::Entry>> ReadAll(LogGroupId group, raft::NodeId member,
                                           std::chrono::milliseconds timeout) const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace waggle::cmd
