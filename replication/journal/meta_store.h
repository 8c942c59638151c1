// The hard state (term, vote, commit) of one group, kept in <dir>/hard_state
// apart from the log so that a vote is never lost to a log truncation.
#pragma once

#include <string>

#include "common/status.h"
#include "replication/raft/types.h"

namespace waggle::journal {

inline constexpr char kHardStateFileName[] = "hard_state";

// Replaces the stored hard state atomically (see WriteFileAtomically); with
// sync == false it is not made durable.
Status SaveHardState(const std::string& dir, const raft::HardState& state, bool sync);

// The stored hard state; the zero HardState when none was ever saved.
// A damaged file is kCorruption, never silently reset: a forgotten vote could
// let this member vote twice in one term.
Result<raft::HardState> LoadHardState(const std::string& dir);

}  // namespace waggle::journal
