#include "replication/raft/raft_log.h"

#include <algorithm>
#include <cassert>

namespace waggle::raft {

RaftLog::RaftLog(const Storage* storage, Index applied)
    : storage_(storage),
      committed_(storage->hard_state().commit),
      applied_(std::max(applied, storage->first_index() - 1)),
      applying_(applied_),
      unstable_offset_(storage->last_index() + 1),
      in_progress_end_(storage->last_index()) {
  committed_ = std::max(committed_, applied_);
}

Index RaftLog::first_index() const {
  if (unstable_snapshot_) return unstable_snapshot_->meta.index + 1;
  return storage_->first_index();
}

Index RaftLog::last_index() const {
  if (!unstable_.empty()) return unstable_offset_ + unstable_.size() - 1;
  if (unstable_snapshot_) return unstable_snapshot_->meta.index;
  return storage_->last_index();
}

Result<Term> RaftLog::term(Index i) const {
  if (i + 1 < first_index())
    return Status::Compacted("index " + std::to_string(i) + " is compacted");
  if (i > last_index()) return Status::Unavailable("index " + std::to_string(i) + " not in log");
  if (i >= unstable_offset_) return unstable_[i - unstable_offset_].term;
  if (unstable_snapshot_ && i == unstable_snapshot_->meta.index) {
    return unstable_snapshot_->meta.term;
  }
  return storage_->term(i);
}

Term RaftLog::term_or_zero(Index i) const {
  Result<Term> t = term(i);
  return t.ok() ? *t : 0;
}

bool RaftLog::match_term(Index i, Term t) const {
  Result<Term> ours = term(i);
  return ours.ok() && *ours == t;
}

bool RaftLog::is_up_to_date(Index last, Term term) const {
  const Term our_last_term = last_term();
  return term > our_last_term || (term == our_last_term && last >= last_index());
}

Index RaftLog::find_conflict(const std::vector<Entry>& entries) const {
  for (const Entry& entry : entries) {
    if (!match_term(entry.index, entry.term)) return entry.index;
  }
  return 0;
}

std::pair<Index, Term> RaftLog::find_conflict_by_term(Index index, Term term) const {
  for (; index > 0; --index) {
    Result<Term> ours = this->term(index);
    if (!ours.ok()) return {index, 0};
    if (*ours <= term) return {index, *ours};
  }
  return {0, 0};
}

std::optional<Index> RaftLog::maybe_append(Index index, Term log_term, Index commit,
                                           const std::vector<Entry>& entries) {
  if (!match_term(index, log_term)) return std::nullopt;
  const Index last_new = index + entries.size();
  const Index conflict = find_conflict(entries);
  if (conflict != 0) {
    assert(conflict > committed_ && "a committed entry conflicts with the leader");
    append(std::vector<Entry>(entries.begin() + static_cast<std::ptrdiff_t>(conflict - index - 1),
                              entries.end()));
  }
  commit_to(std::min(commit, last_new));
  return last_new;
}

Index RaftLog::append(std::vector<Entry> entries) {
  assert(!entries.empty());
  const Index from = entries.front().index;
  assert(from > committed_);
  const Index end = unstable_offset_ + unstable_.size();
  if (from == end) {
    if (unstable_.empty()) {
      unstable_ = std::move(entries);
    } else {
      unstable_.insert(unstable_.end(), std::make_move_iterator(entries.begin()),
                       std::make_move_iterator(entries.end()));
    }
  } else if (from <= unstable_offset_) {
    // Replaces entries the driver may already have persisted.
    unstable_offset_ = from;
    unstable_ = std::move(entries);
  } else {
    unstable_.resize(from - unstable_offset_);
    unstable_.insert(unstable_.end(), std::make_move_iterator(entries.begin()),
                     std::make_move_iterator(entries.end()));
  }
  in_progress_end_ = std::min(in_progress_end_, from - 1);
  return last_index();
}

Status RaftLog::slice(Index lo, Index hi, size_t max_bytes, std::vector<Entry>* out) const {
  if (lo < first_index()) return Status::Compacted("index " + std::to_string(lo) + " is compacted");
  if (hi > last_index() + 1) {
    return Status::Unavailable("index " + std::to_string(hi - 1) + " not in log");
  }
  if (lo >= hi) return Status::OK();
  const size_t before = out->size();
  size_t bytes = 0;
  if (lo < unstable_offset_) {
    const Index stable_hi = std::min(hi, unstable_offset_);
    Status s = storage_->entries(lo, stable_hi, max_bytes, out);
    if (!s.ok()) return s;
    for (size_t i = before; i < out->size(); ++i) bytes += (*out)[i].size();
    // Storage stopped early at the byte limit.
    if (out->size() - before < stable_hi - lo) return Status::OK();
  }
  for (Index i = std::max(lo, unstable_offset_); i < hi; ++i) {
    const Entry& entry = unstable_[i - unstable_offset_];
    bytes += entry.size();
    if (out->size() > before && bytes > max_bytes) break;
    out->push_back(entry);
  }
  return Status::OK();
}

void RaftLog::commit_to(Index index) {
  if (index <= committed_) return;
  assert(index <= last_index());
  committed_ = index;
}

bool RaftLog::maybe_commit(Index max_index, Term term) {
  if (max_index > committed_ && term_or_zero(max_index) == term) {
    commit_to(max_index);
    return true;
  }
  return false;
}

Snapshot RaftLog::snapshot() const {
  return unstable_snapshot_ ? *unstable_snapshot_ : storage_->snapshot();
}

void RaftLog::restore(Snapshot snapshot) {
  committed_ = snapshot.meta.index;
  unstable_offset_ = snapshot.meta.index + 1;
  in_progress_end_ = snapshot.meta.index;
  unstable_.clear();
  unstable_snapshot_ = std::move(snapshot);
  snapshot_in_progress_ = false;
}

std::vector<Entry> RaftLog::entries_to_persist() const {
  const Index first = std::max(in_progress_end_ + 1, unstable_offset_);
  return {unstable_.begin() + static_cast<std::ptrdiff_t>(first - unstable_offset_),
          unstable_.end()};
}

bool RaftLog::has_entries_to_persist() const {
  return in_progress_end_ + 1 < unstable_offset_ + unstable_.size();
}

const Snapshot* RaftLog::snapshot_to_persist() const {
  return unstable_snapshot_ && !snapshot_in_progress_ ? &*unstable_snapshot_ : nullptr;
}

Index RaftLog::applying_upper_bound() const {
  return std::min(committed_, persisted());
}

bool RaftLog::has_entries_to_apply() const {
  return !unstable_snapshot_ && applying_ < applying_upper_bound();
}

std::vector<Entry> RaftLog::entries_to_apply(size_t max_bytes) const {
  std::vector<Entry> out;
  if (!has_entries_to_apply()) return out;
  Status s = slice(applying_ + 1, applying_upper_bound() + 1, max_bytes, &out);
  assert(s.ok() && "committed entries must be readable");
  (void)s;
  return out;
}

void RaftLog::accept_in_progress() {
  in_progress_end_ = last_index();
  if (unstable_snapshot_) snapshot_in_progress_ = true;
}

void RaftLog::stable_to(Index index, Term term) {
  if (index < unstable_offset_ || index >= unstable_offset_ + unstable_.size()) return;
  if (unstable_[index - unstable_offset_].term != term) return;
  unstable_.erase(unstable_.begin(),
                  unstable_.begin() + static_cast<std::ptrdiff_t>(index + 1 - unstable_offset_));
  unstable_offset_ = index + 1;
}

void RaftLog::stable_snapshot_to(Index index) {
  if (unstable_snapshot_ && unstable_snapshot_->meta.index == index) {
    unstable_snapshot_.reset();
    snapshot_in_progress_ = false;
  }
}

void RaftLog::applied_to(Index index) {
  applied_ = std::max(applied_, index);
  applying_ = std::max(applying_, applied_);
}

}  // namespace waggle::raft
