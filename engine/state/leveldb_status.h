// Internal to engine/state: LevelDB's status as a waggle Status.
#pragma once

#include <leveldb/status.h>

#include "common/status.h"

namespace waggle::engine::state {

inline Status FromLevelDb(const leveldb::Status& status) {
  if (status.ok()) return Status::OK();
  if (status.IsNotFound()) return Status::NotFound(status.ToString());
  if (status.IsCorruption()) return Status::Corruption(status.ToString());
  if (status.IsInvalidArgument()) return Status::InvalidArgument(status.ToString());
  return Status::IOError(status.ToString());
}

}  // namespace waggle::engine::state
