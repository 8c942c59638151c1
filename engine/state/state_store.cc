#include "engine/state/state_store.h"

#include <leveldb/cache.h>
#include <leveldb/db.h>
#include <leveldb/filter_policy.h>

#include "engine/state/leveldb_status.h"

namespace waggle::engine::state {

Result<std::unique_ptr<StateStore>> StateStore::Open(const std::string& dir,
                                                     const StateStoreOptions& options) {
  std::unique_ptr<leveldb::Cache> cache(leveldb::NewLRUCache(options.block_cache_bytes));
  // The engine looks up many keys that are absent (the variables of a scope
  // that has none, an event trigger for an element that was not triggered):
  // Bloom filters answer those without reading a block of every table file.
  std::unique_ptr<const leveldb::FilterPolicy> filter_policy(leveldb::NewBloomFilterPolicy(10));
  leveldb::Options db_options;
  db_options.create_if_missing = true;
  db_options.block_cache = cache.get();
  db_options.filter_policy = filter_policy.get();
  leveldb::DB* db = nullptr;
  const leveldb::Status status = leveldb::DB::Open(db_options, dir, &db);
  if (!status.ok()) return FromLevelDb(status);
  return std::unique_ptr<StateStore>(new StateStore(std::move(cache), std::move(filter_policy),
                                                    std::unique_ptr<leveldb::DB>(db),
                                                    options.sync_writes));
}

StateStore::StateStore(std::unique_ptr<leveldb::Cache> cache,
                       std::unique_ptr<const leveldb::FilterPolicy> filter_policy,
                       std::unique_ptr<leveldb::DB> db, bool sync_writes)
    : block_cache_(std::move(cache)),
      filter_policy_(std::move(filter_policy)),
      db_(std::move(db)),
      sync_writes_(sync_writes) {}

StateStore::~StateStore() = default;

Transaction StateStore::BeginTransaction() {
  return Transaction(db_.get(), sync_writes_);
}

Result<std::string> StateStore::Get(ColumnFamily family, std::string_view key) {
  return BeginTransaction().Get(family, key);
}

Status StateStore::Put(ColumnFamily family, std::string_view key, std::string_view value) {
  Transaction transaction = BeginTransaction();
  transaction.Put(family, key, value);
  return transaction.Commit();
}

Status StateStore::Delete(ColumnFamily family, std::string_view key) {
  Transaction transaction = BeginTransaction();
  transaction.Delete(family, key);
  return transaction.Commit();
}

Status StateStore::Iterate(ColumnFamily family, const KeyRange& range, const EntryVisitor& visit) {
  return BeginTransaction().Iterate(family, range, visit);
}

Result<int64_t> StateStore::LastProcessedPosition() {
  return BeginTransaction().LastProcessedPosition();
}

Status StateStore::ForEachEntry(const EntryVisitor& visit) {
  return BeginTransaction().IterateStored("", "", visit);
}

}  // namespace waggle::engine::state
