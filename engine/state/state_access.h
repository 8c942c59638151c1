// Typed reads and writes over the Transaction of the command being
// processed, with a sticky error: a read that fails for any reason but
// NotFound (an I/O error, a corrupt value) records the first such error and
// reads as absent. Processing code stays free of error plumbing; the engine
// checks error() before it commits and rolls back instead when it is set.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "engine/state/column_family.h"
#include "engine/state/key_range.h"
#include "engine/state/stored_value.h"
#include "engine/state/transaction.h"

namespace waggle::engine::state {

class StateAccess {
 public:
  // REQUIRES: `transaction` and `error` outlive this object.
  StateAccess(Transaction* transaction, Status* error) : txn_(transaction), error_(error) {}

  std::optional<std::string> Get(ColumnFamily family, std::string_view key) const {
    Result<std::string> value = txn_->Get(family, key);
    if (value.ok()) return std::move(value).value();
    Note(value.status());
    return std::nullopt;
  }

  template <typename Table>
  std::optional<typename Table::NativeTableType> GetTable(ColumnFamily family,
                                                          std::string_view key) const {
    std::optional<std::string> bytes = Get(family, key);
    if (!bytes) return std::nullopt;
    auto value = Unpack<Table>(*bytes);
    if (value.ok()) return std::move(value).value();
    Note(Status::Corruption("column family " + std::to_string(static_cast<int>(family)) + ": " +
                            value.status().message()));
    return std::nullopt;
  }

  bool Contains(ColumnFamily family, std::string_view key) const {
    return Get(family, key).has_value();
  }

  void Put(ColumnFamily family, std::string_view key, std::string_view value) {
    txn_->Put(family, key, value);
  }

  template <typename Table>
  void PutTable(ColumnFamily family, std::string_view key,
                const typename Table::NativeTableType& value) {
    txn_->Put(family, key, Pack<Table>(value));
  }

  void PutNew(ColumnFamily family, std::string_view key, std::string_view value) {
    txn_->PutNew(family, key, value);
  }

  template <typename Table>
  void PutNewTable(ColumnFamily family, std::string_view key,
                   const typename Table::NativeTableType& value) {
    txn_->PutNew(family, key, Pack<Table>(value));
  }

  void Delete(ColumnFamily family, std::string_view key) { txn_->Delete(family, key); }

  // Visits the entries whose key starts with `prefix`, keys without the
  // prefix. The visitor returns false to stop.
  void ForEachWithPrefix(ColumnFamily family, std::string_view prefix,
                         const EntryVisitor& visit) const {
    const size_t skip = prefix.size();
    Note(txn_->Iterate(family, KeyRange::Prefix(prefix),
                       [&](std::string_view key, std::string_view value) {
                         return visit(key.substr(skip), value);
                       }));
  }

  void Iterate(ColumnFamily family, const KeyRange& range, const EntryVisitor& visit) const {
    Note(txn_->Iterate(family, range, visit));
  }

  Transaction* transaction() const { return txn_; }
  const Status& error() const { return *error_; }

 private:
  void Note(const Status& status) const {
    if (!status.ok() && status.code() != Status::Code::kNotFound && error_->ok()) {
      *error_ = status;
    }
  }

  Transaction* txn_;
  Status* error_;
};

// Keys of one int64 (an entity key) and of (int64, string) pairs.
inline std::string KeyOf(int64_t key) {
  std::string out;
  AppendInt64(&out, key);
  return out;
}

inline std::string KeyOf(int64_t key, std::string_view name) {
  std::string out;
  AppendInt64(&out, key);
  AppendString(&out, name);
  return out;
}

inline std::string KeyOf(int64_t first, int64_t second) {
  std::string out;
  AppendInt64(&out, first);
  AppendInt64(&out, second);
  return out;
}

}  // namespace waggle::engine::state
