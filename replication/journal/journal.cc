#include "replication/journal/journal.h"

#include <fcntl.h>

#include <algorithm>
#include <cstdio>

#include "replication/journal/format.h"
#include "replication/journal/meta_store.h"
#include "replication/journal/snapshot_store.h"

namespace waggle::journal {

using raft::Entry;
using raft::Index;
using raft::Term;

namespace {

void LogToStderr(std::string_view line) {
  std::fprintf(stderr, "waggle journal: %.*s\n", static_cast<int>(line.size()), line.data());
}

}  // namespace

Journal::Journal(std::string dir, JournalOptions options)
    : dir_(std::move(dir)), options_(std::move(options)) {}

Result<std::unique_ptr<Journal>> Journal::Open(const std::string& dir, JournalOptions options) {
  if (options.segment_bytes <= kSegmentHeaderSize || options.segment_bytes > UINT32_MAX) {
    return Status::InvalidArgument("segment_bytes must be in (24, 2^32)");
  }
  if (!options.log) options.log = LogToStderr;
  Status s = CreateDirIfMissing(dir);
  if (!s.ok()) return s;
  std::unique_ptr<Journal> journal(new Journal(dir, std::move(options)));
  s = journal->Recover();
  if (!s.ok()) return s;
  return journal;
}

void Journal::Log(const std::string& line) const {
  options_.log(line);
}

Status Journal::Fail(Status status) {
  if (failed_.ok()) failed_ = status;
  return status;
}

std::string Journal::SegmentPath(Index first_index) const {
  return JoinPath(dir_, SegmentFileName(first_index));
}

Status Journal::RemoveSegment(Index first_index) {
  dir_dirty_ = true;
  return RemoveFile(SegmentPath(first_index));
}

// ---------------------------------------------------------------------------
// Recovery

Status Journal::Recover() {
  auto hard_state = LoadHardState(dir_);
  if (!hard_state.ok()) return hard_state.status();
  hard_state_ = *hard_state;
  auto snapshot = LoadSnapshot(dir_);
  if (!snapshot.ok()) return snapshot.status();
  snapshot_ = *snapshot;

  auto names = ListDir(dir_);
  if (!names.ok()) return names.status();
  std::vector<Index> segment_indexes;
  for (const std::string& name : *names) {
    if (name == std::string(kHardStateFileName) + std::string(kTempSuffix) ||
        name == std::string(kSnapshotFileName) + std::string(kTempSuffix)) {
      // A save that crashed before its rename: the previous file still holds.
      Status s = RemoveFile(JoinPath(dir_, name));
      if (!s.ok()) return s;
      Log("removed " + JoinPath(dir_, name) + ", left over from an interrupted save");
    } else if (auto index = ParseSegmentFileName(name)) {
      segment_indexes.push_back(*index);
    }
  }
  std::sort(segment_indexes.begin(), segment_indexes.end());

  bool cut = false;
  for (Index index : segment_indexes) {
    if (cut) {
      Status s = RemoveSegment(index);
      if (!s.ok()) return s;
      Log("deleted " + SegmentPath(index) + ", which followed a damaged segment");
      continue;
    }
    Status s = ScanSegment(index, &cut);
    if (!s.ok()) return s;
  }
  return ReconcileWithSnapshot();
}

// Appends segment name_index to segments_ with every frame up to the first
// bad one, cutting the file there (and setting *cut), or deletes the whole
// file when its header is bad or it does not continue the log.
Status Journal::ScanSegment(Index name_index, bool* cut) {
  const std::string path = SegmentPath(name_index);
  auto mapped = MappedFile::Map(path);
  if (!mapped.ok()) return mapped.status();
  const std::string_view contents = mapped->contents();

  auto header_index = DecodeSegmentHeader(contents);
  std::string bad_header;
  if (!header_index.ok()) {
    bad_header = header_index.status().message();
  } else if (*header_index != name_index) {
    bad_header = "header names first index " + std::to_string(*header_index);
  } else if (!segments_.empty() && segments_.back().end() != name_index) {
    bad_header = "log ends at index " + std::to_string(segments_.back().end() - 1);
  }
  if (!bad_header.empty()) {
    *cut = true;
    Log(path + ": " + bad_header + "; deleted the segment (" + std::to_string(contents.size()) +
        " bytes)");
    return RemoveSegment(name_index);
  }

  Segment segment;
  segment.first_index = name_index;
  uint64_t offset = kSegmentHeaderSize;
  while (offset < contents.size()) {
    FrameView frame;
    FrameError error = DecodeFrame(contents.substr(offset), &frame);
    std::string bad_frame;
    if (error != FrameError::kNone) {
      bad_frame = to_string(error);
    } else if (frame.index != segment.end()) {
      bad_frame = "entry index " + std::to_string(frame.index) + " where " +
                  std::to_string(segment.end()) + " was due";
    } else if (!term_runs_.empty() && frame.term < term_runs_.back().term) {
      bad_frame = "term " + std::to_string(frame.term) + " after term " +
                  std::to_string(term_runs_.back().term);
    } else if (offset > UINT32_MAX) {
      bad_frame = "frame beyond the 4 GiB a segment may span";
    }
    if (!bad_frame.empty()) {
      *cut = true;
      Log(path + ": " + bad_frame + " at offset " + std::to_string(offset) + "; cut " +
          std::to_string(contents.size() - offset) + " bytes");
      break;
    }
    segment.offsets.push_back(static_cast<uint32_t>(offset));
    AddTerm(frame.index, frame.term);
    offset += frame.size;
  }
  segment.size = offset;
  mapped = MappedFile();  // unmap before the file shrinks under the mapping
  if (*cut) {
    auto file = File::Open(path, O_RDWR);
    if (!file.ok()) return file.status();
    Status s = file->Truncate(offset);
    if (!s.ok()) return s;
    active_dirty_ = true;
  }
  segments_.push_back(std::move(segment));
  return Status::OK();
}

// Decides which part of the scanned segments is served, given the snapshot.
Status Journal::ReconcileWithSnapshot() {
  const Index snap_index = snapshot_.meta.index;
  const Term snap_term = snapshot_.meta.term;
  if (!segments_.empty()) {
    const Index stored_first = segments_.front().first_index;
    const Index stored_last = segments_.back().end() - 1;
    const bool touches_snapshot = snap_index + 1 >= stored_first;
    if (touches_snapshot && (snap_index > stored_last ||
                             (snap_index >= stored_first && StoredTerm(snap_index) != snap_term))) {
      // A crash between saving a snapshot and dropping the log it replaced.
      Log("log [" + std::to_string(stored_first) + ", " + std::to_string(stored_last) +
          "] does not contain snapshot " + std::to_string(snap_index) + "@" +
          std::to_string(snap_term) + "; dropped the log");
      return ResetLocked(snap_index, snap_term);
    }
    if (!touches_snapshot && stored_last < stored_first) {
      // An empty segment detached from the snapshot carries nothing.
      Log("deleted " + SegmentPath(stored_first) + ": empty and not adjacent to the snapshot");
      return ResetLocked(snap_index, snap_term);
    }
  }
  if (segments_.empty()) return ResetLocked(snap_index, snap_term);

  last_index_ = segments_.back().end() - 1;
  if (snap_index + 1 >= segments_.front().first_index) {
    first_index_ = snap_index + 1;
    prev_term_ = snap_term;
  } else {
    // Compacted without a snapshot that reaches the log: the oldest stored
    // entry only anchors the term of the one after it.
    first_index_ = segments_.front().first_index + 1;
    prev_term_ = StoredTerm(first_index_ - 1);
  }
  return OpenActiveSegment();
}

// ---------------------------------------------------------------------------
// Writing

Status Journal::OpenActiveSegment() {
  auto file = File::Open(SegmentPath(segments_.back().first_index), O_RDWR);
  if (!file.ok()) return file.status();
  active_ = std::move(*file);
  return Status::OK();
}

Status Journal::RollSegment(Index first_index) {
  if (!segments_.empty() && active_dirty_ && options_.flush != FlushPolicy::kNever) {
    unsynced_.push_back(std::move(active_));
  }
  active_dirty_ = false;
  auto file = File::Open(SegmentPath(first_index), O_RDWR | O_CREAT | O_EXCL);
  if (!file.ok()) return file.status();
  active_ = std::move(*file);
  dir_dirty_ = true;
  Segment segment;
  segment.first_index = first_index;
  segments_.push_back(std::move(segment));
  AppendSegmentHeader(first_index, &write_buffer_);
  return Status::OK();
}

Status Journal::FlushWriteBuffer() {
  if (write_buffer_.empty()) return Status::OK();
  Segment& segment = segments_.back();
  Status s = active_.WriteAt(segment.size, write_buffer_);
  if (!s.ok()) return s;
  segment.size += write_buffer_.size();
  write_buffer_.clear();
  active_dirty_ = true;
  return Status::OK();
}

void Journal::AddTerm(Index index, Term term) {
  if (term_runs_.empty() || term_runs_.back().term != term) term_runs_.push_back({index, term});
}

void Journal::AddToCache(const Entry& entry) {
  if (options_.cache_bytes == 0) return;
  cache_.push_back(entry);
  cache_used_ += entry.size();
  while (cache_used_ > options_.cache_bytes) {
    cache_used_ -= cache_.front().size();
    cache_.pop_front();
  }
}

Status Journal::Append(const std::vector<Entry>& entries) {
  std::lock_guard lock(mu_);
  if (!failed_.ok()) return failed_;
  if (entries.empty()) return Status::OK();
  const Index first = entries.front().index;
  if (first < first_index_ || first > last_index_ + 1) {
    return Status::InvalidArgument("append at " + std::to_string(first) + " outside [" +
                                   std::to_string(first_index_) + ", " +
                                   std::to_string(last_index_ + 1) + "]");
  }
  Term prev_term = TermLocked(first - 1).value();
  for (size_t k = 0; k < entries.size(); ++k) {
    const Entry& entry = entries[k];
    if (entry.index != first + k) return Status::InvalidArgument("entries not consecutive");
    if (entry.term < prev_term) return Status::InvalidArgument("entry terms go back");
    if (entry.data.size() > kMaxEntryData) return Status::InvalidArgument("entry too large");
    prev_term = entry.term;
  }

  if (first <= last_index_) {
    Status s = TruncateLocked(first - 1);
    if (!s.ok()) return Fail(s);
  }
  for (const Entry& entry : entries) {
    if (segments_.empty() ||
        segments_.back().size + write_buffer_.size() >= options_.segment_bytes) {
      Status s = FlushWriteBuffer();
      if (s.ok()) s = RollSegment(entry.index);
      if (!s.ok()) return Fail(s);
    }
    Segment& segment = segments_.back();
    segment.offsets.push_back(static_cast<uint32_t>(segment.size + write_buffer_.size()));
    AppendFrame(entry, &write_buffer_);
    AddTerm(entry.index, entry.term);
  }
  Status s = FlushWriteBuffer();
  if (!s.ok()) return Fail(s);
  last_index_ = entries.back().index;
  for (const Entry& entry : entries) AddToCache(entry);
  return Status::OK();
}

Status Journal::Sync() {
  std::lock_guard lock(mu_);
  if (!failed_.ok()) return failed_;
  if (options_.flush == FlushPolicy::kNever) return Status::OK();
  for (const File& file : unsynced_) {
    Status s = file.DataSync();
    if (!s.ok()) return Fail(s);
  }
  unsynced_.clear();
  if (active_dirty_ && active_.is_open()) {
    Status s = active_.DataSync();
    if (!s.ok()) return Fail(s);
  }
  active_dirty_ = false;
  if (dir_dirty_) {
    Status s = SyncDir(dir_);
    if (!s.ok()) return Fail(s);
  }
  dir_dirty_ = false;
  return Status::OK();
}

Status Journal::TruncateSuffix(Index index) {
  std::lock_guard lock(mu_);
  if (!failed_.ok()) return failed_;
  if (index + 1 < first_index_) {
    return Status::InvalidArgument("truncate below first index " + std::to_string(first_index_));
  }
  if (index >= last_index_) return Status::OK();
  Status s = TruncateLocked(index);
  return s.ok() ? s : Fail(s);
}

// REQUIRES: first_index_ - 1 <= index < last_index_
Status Journal::TruncateLocked(Index index) {
  // Later segments go first, so a crash leaves a prefix of the old log.
  while (!segments_.empty() && segments_.back().first_index > index) {
    active_ = File();
    active_dirty_ = false;
    Status s = RemoveSegment(segments_.back().first_index);
    if (!s.ok()) return s;
    segments_.pop_back();
  }
  if (!segments_.empty()) {
    if (!active_.is_open()) {
      Status s = OpenActiveSegment();
      if (!s.ok()) return s;
    }
    Segment& segment = segments_.back();
    const size_t keep = index + 1 - segment.first_index;
    if (keep < segment.offsets.size()) {
      Status s = active_.Truncate(segment.offsets[keep]);
      if (!s.ok()) return s;
      segment.size = segment.offsets[keep];
      segment.offsets.resize(keep);
      active_dirty_ = true;
    }
  }
  while (!term_runs_.empty() && term_runs_.back().first > index) term_runs_.pop_back();
  while (!cache_.empty() && cache_.back().index > index) {
    cache_used_ -= cache_.back().size();
    cache_.pop_back();
  }
  last_index_ = index;
  return Status::OK();
}

Status Journal::CompactPrefix(Index index) {
  std::lock_guard lock(mu_);
  if (!failed_.ok()) return failed_;
  if (index < first_index_) return Status::OK();
  if (index > last_index_) {
    return Status::InvalidArgument("compact beyond last index " + std::to_string(last_index_));
  }
  Status s = CompactLocked(index);
  return s.ok() ? s : Fail(s);
}

// REQUIRES: first_index_ <= index <= last_index_
Status Journal::CompactLocked(Index index) {
  prev_term_ = TermLocked(index).value();
  first_index_ = index + 1;
  // After a restart the term at index must still be known: from the
  // snapshot if it covers index, otherwise from the entry itself, whose
  // segment is then kept.
  const Index keep_from = index <= snapshot_.meta.index ? index + 1 : index;
  size_t removable = 0;
  while (removable + 1 < segments_.size() && segments_[removable].end() <= keep_from) {
    Status s = RemoveSegment(segments_[removable].first_index);
    if (!s.ok()) return s;
    ++removable;
  }
  segments_.erase(segments_.begin(), segments_.begin() + static_cast<ptrdiff_t>(removable));

  auto run = std::upper_bound(term_runs_.begin(), term_runs_.end(), first_index_,
                              [](Index i, const TermRun& r) { return i < r.first; });
  if (run != term_runs_.begin()) term_runs_.erase(term_runs_.begin(), run - 1);
  while (!cache_.empty() && cache_.front().index < first_index_) {
    cache_used_ -= cache_.front().size();
    cache_.pop_front();
  }
  return Status::OK();
}

// Drops every segment: the log restarts empty after index, whose term is term.
Status Journal::ResetLocked(Index index, Term term) {
  active_ = File();
  active_dirty_ = false;
  while (!segments_.empty()) {
    Status s = RemoveSegment(segments_.back().first_index);
    if (!s.ok()) return s;
    segments_.pop_back();
  }
  term_runs_.clear();
  cache_.clear();
  cache_used_ = 0;
  first_index_ = index + 1;
  last_index_ = index;
  prev_term_ = term;
  return Status::OK();
}

Status Journal::SetHardState(const raft::HardState& state) {
  std::lock_guard lock(mu_);
  if (!failed_.ok()) return failed_;
  if (state == hard_state_) return Status::OK();
  Status s = SaveHardState(dir_, state, options_.flush != FlushPolicy::kNever);
  if (!s.ok()) return Fail(s);
  hard_state_ = state;
  return Status::OK();
}

Status Journal::InstallSnapshot(const raft::Snapshot& snapshot) {
  std::lock_guard lock(mu_);
  if (!failed_.ok()) return failed_;
  if (snapshot.empty()) return Status::InvalidArgument("empty snapshot");
  const Index index = snapshot.meta.index;
  if (index + 1 < first_index_) {
    return Status::InvalidArgument("snapshot at " + std::to_string(index) +
                                   " is older than the log start " +
                                   std::to_string(first_index_ - 1));
  }
  Status s = SaveSnapshot(dir_, snapshot, options_.flush != FlushPolicy::kNever);
  if (!s.ok()) return Fail(s);
  snapshot_ = snapshot;
  auto term_there = TermLocked(index);
  if (term_there.ok() && *term_there == snapshot.meta.term) {
    s = index >= first_index_ ? CompactLocked(index) : Status::OK();
  } else {
    s = ResetLocked(index, snapshot.meta.term);
  }
  return s.ok() ? s : Fail(s);
}

// ---------------------------------------------------------------------------
// Reading

raft::HardState Journal::hard_state() const {
  std::lock_guard lock(mu_);
  return hard_state_;
}

JournalUsage Journal::usage() const {
  std::lock_guard lock(mu_);
  JournalUsage u;
  u.segments = segments_.size();
  for (const Segment& s : segments_) u.segment_bytes += s.size;
  return u;
}

raft::Snapshot Journal::snapshot() const {
  std::lock_guard lock(mu_);
  return snapshot_;
}

Index Journal::first_index() const {
  std::lock_guard lock(mu_);
  return first_index_;
}

Index Journal::last_index() const {
  std::lock_guard lock(mu_);
  return last_index_;
}

Result<Term> Journal::term(Index i) const {
  std::lock_guard lock(mu_);
  return TermLocked(i);
}

Result<Term> Journal::TermLocked(Index i) const {
  if (i + 1 < first_index_) {
    return Status::Compacted("index " + std::to_string(i) + " is compacted");
  }
  if (i > last_index_) {
    return Status::Unavailable("index " + std::to_string(i) + " is past the last index " +
                               std::to_string(last_index_));
  }
  if (i + 1 == first_index_) return prev_term_;
  return StoredTerm(i);
}

Term Journal::StoredTerm(Index i) const {
  auto run = std::upper_bound(term_runs_.begin(), term_runs_.end(), i,
                              [](Index index, const TermRun& r) { return index < r.first; });
  return std::prev(run)->term;
}

size_t Journal::SegmentFor(Index i) const {
  auto segment =
      std::upper_bound(segments_.begin(), segments_.end(), i,
                       [](Index index, const Segment& s) { return index < s.first_index; });
  return static_cast<size_t>(segment - segments_.begin()) - 1;
}

size_t Journal::EntryBytes(Index i) const {
  const Segment& segment = segments_[SegmentFor(i)];
  const size_t k = i - segment.first_index;
  static const size_t entry_overhead = Entry{}.size();
  return segment.frame_end(k) - segment.offsets[k] - kFrameHeaderSize + entry_overhead;
}

Status Journal::entries(Index lo, Index hi, size_t max_bytes, std::vector<Entry>* out) const {
  std::lock_guard lock(mu_);
  if (lo < first_index_) return Status::Compacted("index " + std::to_string(lo) + " is compacted");
  if (hi > last_index_ + 1) {
    return Status::Unavailable("index " + std::to_string(hi - 1) + " is past the last index " +
                               std::to_string(last_index_));
  }
  if (lo > hi) return Status::InvalidArgument("entries: lo > hi");
  if (lo == hi) return Status::OK();

  // The frame offsets give every entry's size, so the batch is sized before
  // anything is read.
  Index end = lo + 1;
  for (size_t bytes = EntryBytes(lo); end < hi; ++end) {
    bytes += EntryBytes(end);
    if (bytes > max_bytes) break;
  }

  const Index cache_first = last_index_ + 1 - cache_.size();
  const size_t old_size = out->size();
  if (lo < cache_first) {
    Status s = ReadFromSegments(lo, std::min(end, cache_first), out);
    if (!s.ok()) {
      out->resize(old_size);
      return s;
    }
  }
  for (Index i = std::max(lo, cache_first); i < end; ++i) out->push_back(cache_[i - cache_first]);
  return Status::OK();
}

Status Journal::ReadFromSegments(Index lo, Index hi, std::vector<Entry>* out) const {
  std::string buffer;
  for (size_t k = SegmentFor(lo); lo < hi; ++k) {
    const Segment& segment = segments_[k];
    const Index segment_hi = std::min(hi, segment.end());
    const uint64_t begin = segment.offsets[lo - segment.first_index];
    const uint64_t end = segment.frame_end(segment_hi - 1 - segment.first_index);
    buffer.resize(end - begin);

    Status s;
    if (k + 1 == segments_.size()) {
      s = active_.ReadAt(begin, buffer.size(), buffer.data());
    } else {
      auto file = File::Open(SegmentPath(segment.first_index), O_RDONLY);
      s = file.ok() ? file->ReadAt(begin, buffer.size(), buffer.data()) : file.status();
    }
    if (!s.ok()) return s;

    std::string_view rest = buffer;
    for (Index i = lo; i < segment_hi; ++i) {
      FrameView frame;
      FrameError error = DecodeFrame(rest, &frame);
      if (error != FrameError::kNone || frame.index != i) {
        return Status::Corruption(SegmentPath(segment.first_index) + ": " +
                                  (error != FrameError::kNone ? to_string(error) : "wrong index") +
                                  " in the frame of entry " + std::to_string(i));
      }
      Entry& entry = out->emplace_back();
      entry.term = frame.term;
      entry.index = frame.index;
      entry.type = frame.type;
      entry.data.assign(frame.data);
      rest.remove_prefix(frame.size);
    }
    lo = segment_hi;
  }
  return Status::OK();
}

}  // namespace waggle::journal
