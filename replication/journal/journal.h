// Journal: the durable log of one Raft group, kept in one directory.
//
// The log lives in segment files (format.h) that roll over at a configurable
// size; the hard state and the newest snapshot live in files of their own
// (meta_store.h, snapshot_store.h). The Journal is also the group's
// raft::Storage, so the core reads back exactly what was persisted.
//
// Writes are buffered in user space (one write per segment touched by an
// Append) and made durable only by Sync(), so that a driver can append for
// many groups and then sync once per round (group commit).
//
// Open() repairs what a crash can leave behind: a torn or corrupt frame and
// everything after it are cut, and the repair is reported through
// JournalOptions::log. A corrupt entry is never served.
//
// Thread-safe: calls are serialized internally, so exporters may read while
// the driver appends.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "replication/journal/file.h"
#include "replication/raft/storage.h"
#include "replication/raft/types.h"

namespace waggle::journal {

enum class FlushPolicy : uint8_t {
  kEveryBatch,  // Sync() makes everything written so far durable
  kNever,       // nothing is ever synced, Sync() does nothing: tests only
};

struct JournalOptions {
  // Once a segment holds this many bytes the next entry starts a new one.
  // Must exceed the 24-byte segment header and fit in 32 bits.
  uint64_t segment_bytes = 128ull << 20;
  FlushPolicy flush = FlushPolicy::kEveryBatch;
  // Bytes of the newest entries (by Entry::size()) kept in memory, because
  // leaders and exporters mostly read the tail. 0 turns the cache off.
  size_t cache_bytes = 4 << 20;
  // Receives one line for each repair Open() makes; stderr when unset.
  std::function<void(std::string_view)> log;
};

// What a journal occupies on disk, for monitoring.
struct JournalUsage {
  size_t segments = 0;
  uint64_t segment_bytes = 0;  // written to the segment files
};

class Journal final : public raft::Storage {
 public:
  // Opens the journal in dir, creating dir if needed, and repairs it.
  static Result<std::unique_ptr<Journal>> Open(const std::string& dir, JournalOptions options);

  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;
  ~Journal() override = default;

  // Writes entries, replacing the log from entries.front().index on if that
  // is at or below last_index() (Raft's conflict resolution). Not durable
  // before Sync().
  // REQUIRES: entries are consecutive, first_index() <= entries.front().index
  //   <= last_index() + 1, and terms never decrease along the log.
  Status Append(const std::vector<raft::Entry>& entries);

  // Makes every write, segment creation and deletion so far durable.
  Status Sync();

  // Drops the entries after index; a no-op if index >= last_index().
  // REQUIRES: index >= first_index() - 1
  Status TruncateSuffix(raft::Index index);

  // Forgets the entries up to index: first_index() becomes index + 1 and
  // segments no longer needed are deleted (the active segment never is).
  // A no-op if index < first_index().
  // REQUIRES: index <= last_index()
  Status CompactPrefix(raft::Index index);

  // Persists the hard state atomically; a no-op if it did not change.
  Status SetHardState(const raft::HardState& state);

  // Persists snapshot, then drops the log it covers: if the log holds an
  // entry at snapshot.meta.index with the same term, entries up to it are
  // compacted away and the rest is kept; otherwise the whole log is dropped
  // and first_index() becomes snapshot.meta.index + 1.
  // REQUIRES: !snapshot.empty(), snapshot.meta.index >= first_index() - 1
  Status InstallSnapshot(const raft::Snapshot& snapshot);

  JournalUsage usage() const;

  // raft::Storage
  raft::HardState hard_state() const override;
  raft::Index first_index() const override;
  raft::Index last_index() const override;
  Result<raft::Term> term(raft::Index i) const override;
  Status entries(raft::Index lo, raft::Index hi, size_t max_bytes,
                 std::vector<raft::Entry>* out) const override;
  raft::Snapshot snapshot() const override;

 private:
  // One segment file: where each of its frames starts, so that neither
  // term() nor the size of an entry needs I/O.
  struct Segment {
    raft::Index first_index = 0;
    std::vector<uint32_t> offsets;  // offsets[k]: frame of entry first_index + k
    uint64_t size = 0;              // bytes written to the file

    raft::Index end() const { return first_index + offsets.size(); }
    uint64_t frame_end(size_t k) const { return k + 1 < offsets.size() ? offsets[k + 1] : size; }
  };
  // Terms change rarely along a log, so they are kept as runs: entries from
  // first on have term until the next run starts.
  struct TermRun {
    raft::Index first = 0;
    raft::Term term = 0;
  };

  Journal(std::string dir, JournalOptions options);

  Status Recover();
  Status ScanSegment(raft::Index name_index, bool* cut);
  Status ReconcileWithSnapshot();
  void Log(const std::string& line) const;
  // Records a failed write: the in-memory view may no longer match the
  // files, so every later mutation returns this status.
  Status Fail(Status status);

  std::string SegmentPath(raft::Index first_index) const;
  Status RemoveSegment(raft::Index first_index);
  Status OpenActiveSegment();
  Status RollSegment(raft::Index first_index);
  Status FlushWriteBuffer();

  Status TruncateLocked(raft::Index index);
  Status CompactLocked(raft::Index index);
  Status ResetLocked(raft::Index index, raft::Term term);
  void AddTerm(raft::Index index, raft::Term term);
  void AddToCache(const raft::Entry& entry);

  Result<raft::Term> TermLocked(raft::Index i) const;
  // REQUIRES: the entry is in a segment
  raft::Term StoredTerm(raft::Index i) const;
  size_t SegmentFor(raft::Index i) const;
  // What entry i counts for in size-limited batches (Entry::size()), without I/O.
  size_t EntryBytes(raft::Index i) const;
  Status ReadFromSegments(raft::Index lo, raft::Index hi, std::vector<raft::Entry>* out) const;

  const std::string dir_;
  const JournalOptions options_;

  mutable std::mutex mu_;
  Status failed_;
  raft::HardState hard_state_;
  raft::Snapshot snapshot_;

  // Entries [first_index_, last_index_] are served; prev_term_ is the term at
  // first_index_ - 1. Segments may still hold entries below first_index_.
  raft::Index first_index_ = 1;
  raft::Index last_index_ = 0;
  raft::Term prev_term_ = 0;

  std::vector<Segment> segments_;
  std::vector<TermRun> term_runs_;  // cover at least [first_index_, last_index_]

  // Open exactly when segments_ is not empty: the file of segments_.back().
  File active_;
  bool active_dirty_ = false;
  // Segments rolled over since the last Sync(), still to be synced.
  std::vector<File> unsynced_;
  bool dir_dirty_ = false;
  std::string write_buffer_;

  // The newest entries, always ending at last_index_.
  std::deque<raft::Entry> cache_;
  size_t cache_used_ = 0;
};

}  // namespace waggle::journal
