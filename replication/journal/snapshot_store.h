// The newest snapshot of one group, metadata and data, kept in
// <dir>/snapshot and replaced atomically.
#pragma once

#include <string>

#include "common/status.h"
#include "replication/raft/types.h"

namespace waggle::journal {

inline constexpr char kSnapshotFileName[] = "snapshot";

// Replaces the stored snapshot atomically (see WriteFileAtomically); with
// sync == false it is not made durable.
// REQUIRES: !snapshot.empty()
Status SaveSnapshot(const std::string& dir, const raft::Snapshot& snapshot, bool sync);

// The stored snapshot; an empty one when none was ever saved. A damaged file
// is kCorruption: the log below it is gone, so it cannot be done without.
Result<raft::Snapshot> LoadSnapshot(const std::string& dir);

}  // namespace waggle::journal
