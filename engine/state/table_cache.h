// The decoded values of one column family keyed by an int64, as one
// transaction reads and writes them. Processing a command reads the same
// element instance or job several times and writes it several times (every
// event of the batch changes it); each of those was a LevelDB read, a
// verify and object-API unpack, and a pack. Here a value is decoded once per
// transaction, changed in memory, and packed once by Flush, before the
// transaction commits.
//
// A key that was created in this transaction and removed again before the
// commit is written neither as a value nor as a deletion (a tombstone costs
// a memtable insert, replay time and a skip in every later scan).
//
// Values may also outlive the transaction (Retained, owned by the engine):
// after a commit, Retain hands the values the transaction read or wrote to
// the next transactions, which take them from there instead of reading the
// store (an instance created by one command is read back by the next that
// touches it). Retained also remembers keys found absent (a scope without
// variables is looked up by several commands), but not removed ones (dead
// keys). A value is taken out of Retained when a transaction loads or
// changes it, so a transaction that rolls back leaves no stale value behind.
//
// REQUIRES: the family is accessed only through this cache (nothing else
// writes it, iterates it or reads its bytes), and Flush is called before the
// transaction commits.
#pragma once

#include <cstdint>
#include <optional>
#include <unordered_map>
#include <utility>

#include "engine/state/state_access.h"

namespace waggle::engine::state {

template <typename Table>
class TableCache {
 public:
  using Value = typename Table::NativeTableType;
  // Committed values by key (nullopt: absent): the store holds exactly these.
  using Retained = std::unordered_map<int64_t, std::optional<Value>>;

  // REQUIRES: `access` and `retained` (if not null) outlive the cache.
  TableCache(StateAccess* access, ColumnFamily family, Retained* retained)
      : access_(access), family_(family), retained_(retained) {}

  TableCache(const TableCache&) = delete;
  TableCache& operator=(const TableCache&) = delete;

  // The value of `key`; null when absent. Valid until the next change of
  // `key`.
  const Value* Find(int64_t key) const {
    Entry& entry = Load(key);
    return entry.value ? &*entry.value : nullptr;
  }

  // The value of `key` to change in place; null when absent.
  Value* FindForUpdate(int64_t key) {
    Entry& entry = Load(key);
    if (!entry.value) return nullptr;
    entry.dirty = true;
    return &*entry.value;
  }

  void Put(int64_t key, Value value) {
    Entry& entry = Overwrite(key);
    entry.value = std::move(value);
    entry.dirty = true;
    entry.removed = false;
  }

  // A value under a key the store has never held (a newly generated key).
  void Create(int64_t key, Value value) {
    Entry& entry = Overwrite(key);
    entry.value = std::move(value);
    entry.dirty = true;
    entry.removed = false;
    entry.stored = false;
  }

  void Remove(int64_t key) {
    Entry& entry = Overwrite(key);
    entry.value.reset();
    entry.dirty = true;
    entry.removed = true;
  }

  // Writes the changed values into the transaction.
  void Flush() {
    for (auto& [key, entry] : entries_) {
      if (!entry.dirty) continue;
      if (entry.value && entry.stored) {
        access_->PutTable<Table>(family_, KeyOf(key), *entry.value);
      } else if (entry.value) {
        access_->PutNewTable<Table>(family_, KeyOf(key), *entry.value);
      } else if (entry.stored) {
        access_->Delete(family_, KeyOf(key));
      }
      entry.dirty = false;
      // The transaction holds it now: a later removal must reach it.
      entry.stored = true;
    }
  }

  // After the transaction committed: its values go to Retained (which is
  // cleared first when it would grow past `max_retained`).
  void Retain(size_t max_retained) {
    if (retained_ == nullptr) return;
    if (retained_->size() + entries_.size() > max_retained) retained_->clear();
    for (auto& [key, entry] : entries_) {
      if (!entry.removed) retained_->insert_or_assign(key, std::move(entry.value));
    }
    entries_.clear();
  }

 private:
  struct Entry {
    std::optional<Value> value;  // nullopt: absent
    bool dirty = false;          // changed since read or flushed
    bool stored = true;          // the store may hold the key
    bool removed = false;        // by this transaction
  };

  Entry& Load(int64_t key) const {
    auto [it, inserted] = entries_.try_emplace(key);
    if (!inserted) return it->second;
    Entry& entry = it->second;
    if (!TakeRetained(key, &entry.value)) {
      entry.value = access_->GetTable<Table>(family_, KeyOf(key));
    }
    entry.stored = entry.value.has_value();
    return entry;
  }

  // The entry of `key` about to be overwritten (not read).
  Entry& Overwrite(int64_t key) {
    auto [it, inserted] = entries_.try_emplace(key);
    std::optional<Value> retained;
    if (inserted && TakeRetained(key, &retained) && !retained) it->second.stored = false;
    return it->second;
  }

  // Moves `key` out of Retained into `value`; false when Retained does not
  // know it.
  bool TakeRetained(int64_t key, std::optional<Value>* value) const {
    if (retained_ == nullptr) return false;
    auto it = retained_->find(key);
    if (it == retained_->end()) return false;
    *value = std::move(it->second);
    retained_->erase(it);
    return true;
  }

  StateAccess* access_;
  ColumnFamily family_;
  Retained* retained_;
  mutable std::unordered_map<int64_t, Entry> entries_;
};

}  // namespace waggle::engine::state
