// The client subcommands of the waggle binary for a replicated-log cluster:
// `waggle log-status` and `waggle log-append`. Each returns the process exit
// code: 0 on success, 1 when the cluster did not do what was asked, 2 for bad
// flags (the message names the flag).
#pragma once

#include <string>
#include <vector>

namespace waggle::cmd {

// Prints each member's groups (role, term, leader, commit, applied).
// Succeeds when some member answered and every group it reports has a leader.
int RunLogStatusCommand(const std::vector<std::string>& args);

// Appends --count entries of --size bytes through the leader, --batch per
// request and --inflight requests at a time, at most --rate per second, and prints progress every
// second. Leader changes are followed; it fails only when an append did not succeed within
// --timeout-ms.
int RunLogAppendCommand(const std::vector<std::string>& args);

}  // namespace waggle::cmd
