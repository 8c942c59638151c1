#include "replication/raft/quorum.h"

#include <algorithm>
#include <cassert>
#include <functional>

namespace waggle::raft {

Index quorum_committed_index(std::vector<Index> matches) {
  assert(!matches.empty());
  const size_t pos = quorum_size(matches.size()) - 1;
  std::nth_element(matches.begin(), matches.begin() + static_cast<std::ptrdiff_t>(pos),
                   matches.end(), std::greater<>());
  return matches[pos];
}

VoteResult tally_votes(size_t voters, const std::map<NodeId, bool>& votes) {
  size_t granted = 0;
  size_t rejected = 0;
  for (const auto& [id, vote] : votes) ++(vote ? granted : rejected);
  const size_t quorum = quorum_size(voters);
  if (granted >= quorum) return VoteResult::kWon;
  if (rejected > voters - quorum) return VoteResult::kLost;
  return VoteResult::kPending;
}

}  // namespace waggle::raft
