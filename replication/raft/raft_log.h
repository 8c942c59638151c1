// RaftLog: the log as the core sees it. A prefix lives in Storage (durable,
// read-only here); after it comes an unstable tail of entries, and possibly a
// snapshot, that the driver has not persisted yet. The unstable tail wins
// where both hold an index: it may have replaced a conflicting suffix that
// Storage still holds.
#pragma once

#include <optional>
#include <utility>
#include <vector>

#include "common/status.h"
#include "replication/raft/storage.h"
#include "replication/raft/types.h"

namespace waggle::raft {

class RaftLog {
 public:
  // Starts from what storage holds; committed from its hard state, applied
  // from `applied` (never below the storage's snapshot).
  RaftLog(const Storage* storage, Index applied);

  Index first_index() const;
  Index last_index() const;
  Term last_term() const { return term_or_zero(last_index()); }
  // Defined for first_index() - 1 <= i <= last_index().
  Result<Term> term(Index i) const;
  // 0 when term(i) is not defined.
  Term term_or_zero(Index i) const;
  bool match_term(Index i, Term t) const;
  // §5.4.1: a log ending at (last, term) is at least as up to date as ours.
  bool is_up_to_date(Index last, Term term) const;

  // The index of the first entry whose term differs from ours (a conflict or
  // a new entry); 0 when we hold all of them already.
  Index find_conflict(const std::vector<Entry>& entries) const;
  // The largest index <= `index` whose term is <= `term`, and that term (0
  // when it is unknown). Lets a leader skip a whole conflicting term.
  std::pair<Index, Term> find_conflict_by_term(Index index, Term term) const;

  // The follower's side of kAppend: if we hold (index, log_term), appends the
  // entries that are new or conflict, commits up to min(commit, last new
  // entry) and returns the last new entry's index.
  std::optional<Index> maybe_append(Index index, Term log_term, Index commit,
                                    const std::vector<Entry>& entries);
  // Appends after last_index() or replaces a suffix. Returns last_index().
  // REQUIRES: entries not empty and entries.front().index > committed().
  Index append(std::vector<Entry> entries);

  // Appends entries [lo, hi) to *out, up to max_bytes (at least one).
  Status slice(Index lo, Index hi, size_t max_bytes, std::vector<Entry>* out) const;

  Index committed() const { return committed_; }
  Index applied() const { return applied_; }
  // The last index of the contiguous prefix that is durable locally.
  Index persisted() const { return unstable_offset_ - 1; }
  void commit_to(Index index);
  // Leader: commits max_index if it belongs to `term` (§5.4.2).
  bool maybe_commit(Index max_index, Term term);

  // The newest snapshot: the one not yet persisted, else the storage's.
  Snapshot snapshot() const;
  // Replaces the log with a snapshot (follower install); commits up to it.
  void restore(Snapshot snapshot);

  // --- Handing state to the driver (RawNode) ---
  // Unstable entries not handed out yet.
  std::vector<Entry> entries_to_persist() const;
  bool has_entries_to_persist() const;
  // The unstable snapshot if it has not been handed out yet.
  const Snapshot* snapshot_to_persist() const;
  // Committed, locally durable entries after `applying`, up to max_bytes.
  bool has_entries_to_apply() const;
  std::vector<Entry> entries_to_apply(size_t max_bytes) const;

  // What entries_to_persist() and snapshot_to_persist() showed is now in the
  // driver's hands.
  void accept_in_progress();
  void accept_applying(Index index) { applying_ = index; }
  // The driver persisted entries up to (index, term); a later replacement of
  // that entry makes this a no-op.
  void stable_to(Index index, Term term);
  void stable_snapshot_to(Index index);
  void applied_to(Index index);

 private:
  Index applying_upper_bound() const;

  const Storage* storage_;
  Index committed_;
  Index applied_;
  Index applying_;  // handed to the driver to apply, not yet applied

  std::optional<Snapshot> unstable_snapshot_;
  bool snapshot_in_progress_ = false;
  std::vector<Entry> unstable_;  // entries from unstable_offset_ on
  Index unstable_offset_;
  Index in_progress_end_;  // last unstable index already handed to the driver
};

}  // namespace waggle::raft
