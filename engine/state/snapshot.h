// Snapshots of the whole state: export to one file, restore from it, and a
// digest that compares two states.
//
// File format (all integers big-endian):
//   header   magic "WGLSTATE" (8 bytes), version u32 (1), entry count u64
//   entries  count times: key length u32, key, value length u32, value;
//            whole keys (column family byte first), strictly ascending
//   trailer  checksum u64: FNV-1a 64 (fnv1a.h) over the entries, then over
//            the header (so the count, known last, can still be written first)
// The state's last processed position is an entry like any other: the file
// is the state as of that position.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "engine/state/state_store.h"

namespace waggle::engine::state {

// Writes the state as of now to `snapshot_file`, atomically: a temporary file
// beside it is written, fsynced and renamed over it, then the directory is
// fsynced. On error no file (and no temporary) is left.
Status ExportSnapshot(StateStore& store, const std::string& snapshot_file);

// Builds a fresh store in `dir` from `snapshot_file`. The file is untrusted:
// it is verified whole (structure and checksum) before anything is built, and
// the store is built in a temporary directory renamed to `dir` only when
// complete, so a bad file gives Corruption and leaves no store behind.
// REQUIRES: `dir` does not exist or is an empty directory (InvalidArgument
// otherwise, and `dir` is left alone).
// Open the restored store with StateStore::Open.
Status RestoreSnapshot(const std::string& snapshot_file, const std::string& dir);

// A hash of every entry of every column family in key order (the checksum of
// the entries section of a snapshot file of this state). Equal states give
// equal digests; the engine's tests compare a leader's state with the state a
// follower rebuilt by replay.
Result<uint64_t> Digest(StateStore& store);

}  // namespace waggle::engine::state
