// A Transaction: the changes one command makes to the state, applied
// atomically or not at all.
//
// Writes are buffered in an in-memory overlay (a sorted map of pending puts
// and deletes) over a LevelDB snapshot taken when the transaction began.
// Reads see the transaction's own writes: Get consults the overlay first;
// Iterate merges overlay and snapshot in key order, overlay entries replacing
// stored ones and pending deletes hiding them. Commit writes the overlay as
// one leveldb::WriteBatch; Rollback (or destruction without Commit) discards
// it, so a command whose processing fails leaves no trace.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "engine/state/column_family.h"
#include "engine/state/key_range.h"

namespace leveldb {
class DB;
class Snapshot;
}  // namespace leveldb

namespace waggle::engine::state {

// The last processed position of a store no command has been committed to.
inline constexpr int64_t kNoPosition = -1;

class Transaction {
 public:
  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();  // rolls back unless committed

  // Every method below REQUIRES: open() (neither committed nor rolled back).

  // NotFound when the key is absent or deleted in this transaction.
  Result<std::string> Get(ColumnFamily family, std::string_view key) const;
  void Put(ColumnFamily family, std::string_view key, std::string_view value);
  // Put for a key the store does not hold (a newly generated key): when the
  // same transaction deletes it again, the commit writes nothing for it
  // rather than a put and a tombstone.
  void PutNew(ColumnFamily family, std::string_view key, std::string_view value);
  void Delete(ColumnFamily family, std::string_view key);

  // Visits the live entries of `range` in key order, keys without the family
  // byte. The visitor may write to this transaction: writes to keys after the
  // current one are seen by the rest of the iteration.
  Status Iterate(ColumnFamily family, const KeyRange& range, const EntryVisitor& visit) const;

  // The position of the command this transaction processes; stored in
  // ColumnFamily::kLastProcessedPosition by the same commit.
  void SetLastProcessedPosition(int64_t position);
  // kNoPosition when none was ever committed or set.
  Result<int64_t> LastProcessedPosition() const;

  // Writes all changes atomically, then ends the transaction. On error nothing
  // was written and the transaction has ended all the same.
  Status Commit();
  // Discards all changes and ends the transaction.
  void Rollback();

  bool open() const { return db_ != nullptr; }

 private:
  friend class StateStore;

  Transaction(leveldb::DB* db, bool sync_writes);

  // Iterates whole keys (family byte included) in [start, limit), "" = unbounded.
  Status IterateStored(std::string_view start, std::string_view limit,
                       const EntryVisitor& visit) const;
  void End();

  leveldb::DB* db_;
  const leveldb::Snapshot* snapshot_;
  bool sync_writes_;
  struct Pending {
    std::optional<std::string> value;  // nullopt: deleted
    bool stored = true;                // the store may hold the key
  };
  // Whole key -> pending write.
  std::map<std::string, Pending, std::less<>> overlay_;
};

}  // namespace waggle::engine::state
