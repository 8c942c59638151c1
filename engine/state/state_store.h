// The engine's state: one LevelDB database split into column families.
//
// The engine is deterministic and single-threaded per partition: a StateStore
// is used by one thread, and every change a command causes goes through one
// Transaction (see transaction.h), committed as one atomic WriteBatch together
// with the position of the command.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "engine/state/column_family.h"
#include "engine/state/key_range.h"
#include "engine/state/transaction.h"

namespace leveldb {
class Cache;
class DB;
class FilterPolicy;
}  // namespace leveldb

namespace waggle::engine::state {

struct StateStoreOptions {
  // fsync the LevelDB log on every commit. Off only where losing the last
  // commits on a machine crash is acceptable (benchmarks, tests, replay that
  // can start over from a snapshot).
  bool sync_writes = true;
  size_t block_cache_bytes = 8 << 20;
};

class StateStore {
 public:
  // Opens the database in `dir`, creating it when missing.
  static Result<std::unique_ptr<StateStore>> Open(const std::string& dir,
                                                  const StateStoreOptions& options);

  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;
  ~StateStore();

  // A transaction reading the state as of now plus its own writes.
  // REQUIRES: the store outlives the transaction; no other transaction commits
  // while it is open (it would not see those writes, and may overwrite them).
  Transaction BeginTransaction();

  // Single-operation conveniences, each a transaction of its own.
  // Get returns NotFound when the key is absent.
  Result<std::string> Get(ColumnFamily family, std::string_view key);
  Status Put(ColumnFamily family, std::string_view key, std::string_view value);
  Status Delete(ColumnFamily family, std::string_view key);
  Status Iterate(ColumnFamily family, const KeyRange& range, const EntryVisitor& visit);

  // The position of the last command whose transaction committed, or
  // kNoPosition when none has.
  Result<int64_t> LastProcessedPosition();

  // Visits every entry of every column family in key order, as of one moment.
  // Keys are passed whole: the column family byte, then the key.
  Status ForEachEntry(const EntryVisitor& visit);

 private:
  StateStore(std::unique_ptr<leveldb::Cache> cache,
             std::unique_ptr<const leveldb::FilterPolicy> filter_policy,
             std::unique_ptr<leveldb::DB> db, bool sync_writes);

  // Declared before db_: the database uses them until it is destroyed.
  std::unique_ptr<leveldb::Cache> block_cache_;
  std::unique_ptr<const leveldb::FilterPolicy> filter_policy_;
  std::unique_ptr<leveldb::DB> db_;
  bool sync_writes_;
};

}  // namespace waggle::engine::state
