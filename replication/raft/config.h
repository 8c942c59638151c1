// Config: how one member of one Raft group behaves.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

#include "replication/raft/types.h"

namespace waggle::raft {

struct Config {
  NodeId id = kNoNode;
  // Every voting member of the group, this one included. Membership is fixed.
  std::vector<NodeId> members;

  // A follower that hears nothing from a leader for a random number of ticks
  // in [election_ticks, 2 * election_ticks) starts an election.
  int election_ticks = 10;
  int heartbeat_ticks = 1;

  // Pre-vote (§9.6 of Ongaro's thesis): a member first asks whether it could
  // win before it bumps its term, so a rejoining member cannot disrupt a
  // healthy leader.
  bool pre_vote = true;
  // A leader that has not heard from a quorum within an election timeout steps
  // down; followers that heard from a leader within that time ignore votes.
  bool check_quorum = true;

  // Priority election as in Zeebe: on election timeout a member campaigns
  // only if its priority is at least the current target priority; otherwise
  // the target drops by one and it waits another timeout. Empty map: off.
  std::map<NodeId, int> priorities;

  // Flow control towards each follower.
  size_t max_append_bytes = 32 * 1024;  // per kAppend message
  size_t max_inflight = 6;              // unacknowledged kAppend messages
  size_t max_snapshot_chunk_bytes = 1024 * 1024;
  // At most this many bytes of committed entries in one Ready.
  size_t max_committed_bytes = 4 * 1024 * 1024;

  // The last index the state machine applied before this start; committed
  // entries up to it are not delivered again.
  Index applied = 0;

  // Seeds the core's own generator (randomized election timeouts), so that a
  // run is a function of its inputs.
  uint64_t random_seed = 1;
};

}  // namespace waggle::raft
