// Majority arithmetic for a fixed voter set.
#pragma once

#include <cstddef>
#include <map>
#include <vector>

#include "replication/raft/types.h"

namespace waggle::raft {

// Members needed for a majority of `voters`.
inline size_t quorum_size(size_t voters) {
  return voters / 2 + 1;
}

// The largest index a majority holds: the quorum-th largest of `matches`.
// REQUIRES: matches is not empty. Takes a copy because it reorders.
Index quorum_committed_index(std::vector<Index> matches);

enum class VoteResult : uint8_t { kPending, kWon, kLost };

// Tallies granted (true) and rejected (false) votes among `voters`; members
// not in `votes` have not answered yet.
VoteResult tally_votes(size_t voters, const std::map<NodeId, bool>& votes);

}  // namespace waggle::raft
