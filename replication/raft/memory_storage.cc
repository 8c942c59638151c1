#include "replication/raft/memory_storage.h"

#include <algorithm>

namespace waggle::raft {

MemoryStorage::MemoryStorage() : entries_(1) {}

HardState MemoryStorage::hard_state() const {
  return hard_state_;
}

Index MemoryStorage::first_index() const {
  return entries_.front().index + 1;
}

Index MemoryStorage::last_index() const {
  return entries_.front().index + entries_.size() - 1;
}

Result<Term> MemoryStorage::term(Index i) const {
  const Index offset = entries_.front().index;
  if (i < offset) return Status::Compacted("index " + std::to_string(i) + " is compacted");
  if (i > last_index()) return Status::Unavailable("index " + std::to_string(i) + " not in log");
  return entries_[i - offset].term;
}

Status MemoryStorage::entries(Index lo, Index hi, size_t max_bytes, std::vector<Entry>* out) const {
  if (lo < first_index()) return Status::Compacted("index " + std::to_string(lo) + " is compacted");
  if (hi > last_index() + 1) {
    return Status::Unavailable("index " + std::to_string(hi - 1) + " not in log");
  }
  const Index offset = entries_.front().index;
  size_t bytes = 0;
  for (Index i = lo; i < hi; ++i) {
    const Entry& entry = entries_[i - offset];
    bytes += entry.size();
    if (i > lo && bytes > max_bytes) break;
    out->push_back(entry);
  }
  return Status::OK();
}

Snapshot MemoryStorage::snapshot() const {
  return snapshot_;
}

Status MemoryStorage::append(const std::vector<Entry>& entries) {
  if (entries.empty()) return Status::OK();
  const Index offset = entries_.front().index;
  if (entries.front().index > last_index() + 1) {
    return Status::InvalidArgument("append at " + std::to_string(entries.front().index) +
                                   " leaves a gap after " + std::to_string(last_index()));
  }
  auto first_new = entries.begin();
  if (first_new->index <= offset) {
    const Index skip = offset + 1 - first_new->index;
    if (skip >= entries.size()) return Status::OK();
    first_new += static_cast<std::ptrdiff_t>(skip);
  }
  entries_.resize(first_new->index - offset);
  entries_.insert(entries_.end(), first_new, entries.end());
  return Status::OK();
}

Status MemoryStorage::set_hard_state(const HardState& hard_state) {
  hard_state_ = hard_state;
  return Status::OK();
}

Status MemoryStorage::apply_snapshot(const Snapshot& snapshot) {
  if (snapshot.meta.index <= snapshot_.meta.index) {
    return Status::Aborted("snapshot at " + std::to_string(snapshot.meta.index) +
                           " is not newer than " + std::to_string(snapshot_.meta.index));
  }
  snapshot_ = snapshot;
  entries_.assign(1, Entry());
  entries_.front().term = snapshot.meta.term;
  entries_.front().index = snapshot.meta.index;
  return Status::OK();
}

Status MemoryStorage::create_snapshot(Index index, std::shared_ptr<const std::string> data) {
  if (index <= snapshot_.meta.index) {
    return Status::Aborted("snapshot at " + std::to_string(index) + " is not newer than " +
                           std::to_string(snapshot_.meta.index));
  }
  Result<Term> term_at = term(index);
  if (!term_at.ok()) return term_at.status();
  snapshot_.meta = SnapshotMeta{.index = index, .term = *term_at};
  snapshot_.data = std::move(data);
  return Status::OK();
}

Status MemoryStorage::compact(Index index) {
  const Index offset = entries_.front().index;
  if (index <= offset) return Status::Aborted("index " + std::to_string(index) + " is compacted");
  if (index > snapshot_.meta.index) {
    return Status::InvalidArgument("compact to " + std::to_string(index) +
                                   " passes the snapshot at " +
                                   std::to_string(snapshot_.meta.index));
  }
  entries_.erase(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(index - offset));
  entries_.front().data.clear();
  entries_.front().type = EntryType::kNormal;
  return Status::OK();
}

}  // namespace waggle::raft
