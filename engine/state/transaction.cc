#include "engine/state/transaction.h"

#include <leveldb/db.h>
#include <leveldb/write_batch.h>

#include <cassert>
#include <memory>

#include "engine/state/key_codec.h"
#include "engine/state/leveldb_status.h"
#include "engine/state/storage_key.h"

namespace waggle::engine::state {

namespace {

std::string_view View(const leveldb::Slice& slice) {
  return {slice.data(), slice.size()};
}

// The whole key of the last processed position: the family byte alone.
const std::string& LastProcessedPositionKey() {
  static const std::string key = StorageKey(ColumnFamily::kLastProcessedPosition, "");
  return key;
}

}  // namespace

Transaction::Transaction(leveldb::DB* db, bool sync_writes)
    : db_(db), snapshot_(db->GetSnapshot()), sync_writes_(sync_writes) {}

Transaction::Transaction(Transaction&& other) noexcept
    : db_(other.db_),
      snapshot_(other.snapshot_),
      sync_writes_(other.sync_writes_),
      overlay_(std::move(other.overlay_)) {
  other.db_ = nullptr;
  other.snapshot_ = nullptr;
}

Transaction::~Transaction() {
  if (open()) Rollback();
}

Result<std::string> Transaction::Get(ColumnFamily family, std::string_view key) const {
  assert(open());
  const std::string storage_key = StorageKey(family, key);
  if (auto pending = overlay_.find(storage_key); pending != overlay_.end()) {
    if (!pending->second.value) return Status::NotFound("deleted in this transaction");
    return *pending->second.value;
  }
  leveldb::ReadOptions read_options;
  read_options.snapshot = snapshot_;
  std::string value;
  const leveldb::Status status = db_->Get(read_options, storage_key, &value);
  if (!status.ok()) return FromLevelDb(status);
  return value;
}

void Transaction::Put(ColumnFamily family, std::string_view key, std::string_view value) {
  assert(open());
  overlay_[StorageKey(family, key)].value = std::string(value);
}

void Transaction::PutNew(ColumnFamily family, std::string_view key, std::string_view value) {
  assert(open());
  overlay_.insert_or_assign(StorageKey(family, key), Pending{std::string(value), false});
}

void Transaction::Delete(ColumnFamily family, std::string_view key) {
  assert(open());
  overlay_[StorageKey(family, key)].value.reset();
}

Status Transaction::Iterate(ColumnFamily family, const KeyRange& range,
                            const EntryVisitor& visit) const {
  const std::string start = StorageKey(family, range.start);
  const std::string limit = range.limit.empty() ? PrefixSuccessor(StorageKey(family, ""))
                                                : StorageKey(family, range.limit);
  return IterateStored(start, limit, [&](std::string_view key, std::string_view value) {
    return visit(key.substr(1), value);
  });
}

Status Transaction::IterateStored(std::string_view start, std::string_view limit,
                                  const EntryVisitor& visit) const {
  assert(open());
  auto in_range = [&](std::string_view key) { return limit.empty() || key < limit; };
  leveldb::ReadOptions read_options;
  read_options.snapshot = snapshot_;
  std::unique_ptr<leveldb::Iterator> stored(db_->NewIterator(read_options));
  stored->Seek(leveldb::Slice(start.data(), start.size()));
  auto pending = overlay_.lower_bound(start);
  while (true) {
    const bool stored_left = stored->Valid() && in_range(View(stored->key()));
    const bool pending_left = pending != overlay_.end() && in_range(pending->first);
    if (!stored_left && !pending_left) break;
    const int order = !pending_left  ? -1
                      : !stored_left ? 1
                                     : View(stored->key()).compare(pending->first);
    // The visitor may write to this transaction. Overwrites keep std::map
    // nodes (and `pending`) valid; a new node may lie between `pending` and
    // the current key, so then `pending` is found again past the current key.
    const size_t overlay_size = overlay_.size();
    if (order < 0) {
      if (!visit(View(stored->key()), View(stored->value()))) break;
      if (overlay_.size() != overlay_size) pending = overlay_.upper_bound(View(stored->key()));
      stored->Next();
      continue;
    }
    if (order == 0) stored->Next();  // the pending write replaces or hides it
    // Copies: the visitor may overwrite this very entry while it reads it.
    const std::string key = pending->first;
    const std::optional<std::string> value = pending->second.value;
    ++pending;
    if (value && !visit(key, *value)) break;
    if (overlay_.size() != overlay_size) pending = overlay_.upper_bound(key);
  }
  return FromLevelDb(stored->status());
}

void Transaction::SetLastProcessedPosition(int64_t position) {
  assert(open());
  std::string value;
  AppendInt64(&value, position);
  overlay_[LastProcessedPositionKey()].value = std::move(value);
}

Result<int64_t> Transaction::LastProcessedPosition() const {
  Result<std::string> value = Get(ColumnFamily::kLastProcessedPosition, "");
  if (!value.ok()) {
    if (value.status().code() == Status::Code::kNotFound) return kNoPosition;
    return value.status();
  }
  KeyReader reader(*value);
  int64_t position;
  if (!reader.ReadInt64(&position) || !reader.done()) {
    return Status::Corruption("last processed position is not 8 bytes");
  }
  return position;
}

Status Transaction::Commit() {
  assert(open());
  leveldb::WriteBatch batch;
  for (const auto& [key, pending] : overlay_) {
    if (pending.value) {
      batch.Put(key, *pending.value);
    } else if (pending.stored) {
      batch.Delete(key);
    }
  }
  leveldb::WriteOptions write_options;
  write_options.sync = sync_writes_;
  const Status status = FromLevelDb(db_->Write(write_options, &batch));
  End();
  return status;
}

void Transaction::Rollback() {
  assert(open());
  End();
}

void Transaction::End() {
  overlay_.clear();
  db_->ReleaseSnapshot(snapshot_);
  snapshot_ = nullptr;
  db_ = nullptr;
}

}  // namespace waggle::engine::state
