#include "partitions/committed_log_reader.h"

#include "partitions/log_batch.h"

namespace waggle::partitions {

namespace {

constexpr size_t kReadBytes = 1 << 20;

}  // namespace

CommittedLogReader::CommittedLogReader(replication::MultiRaft* driver, replication::GroupId group,
                                       const std::atomic<int64_t>* commit_position)
    : driver_(driver), group_(group), commit_position_(commit_position) {}

Status CommittedLogReader::ReadAfter(int64_t after, size_t max_records,
                                     std::vector<exporters::CommittedRecord>* out) {
  out->clear();
  raft::Index index = cursor_after_ == after ? cursor_index_ : 0;
  bool from_start = index == 0;
  if (from_start) {
    Result<replication::GroupState> state = driver_->State(group_);
    if (!state.ok()) return state.status();
    index = std::max<raft::Index>(state->first_index, 1);
  }
  std::vector<raft::Entry> entries;
  while (out->size() < max_records) {
    Status s = driver_->ReadCommitted(group_, index, kReadBytes, &entries);
    if (s.code() == Status::Code::kUnavailable) break;  // nothing more committed
    if (!s.ok()) return s;
    if (entries.empty()) break;
    for (const raft::Entry& e : entries) {
      if (out->size() == max_records) break;
      if (e.type != raft::EntryType::kNormal || IsExporterPositions(e.data)) {
        index = e.index + 1;
        continue;
      }
      Result<LogBatch> batch = DecodeLogBatch(e.data);
      if (!batch.ok()) return batch.status();
      if (from_start) {
        // Records between `after` and the log's first record are gone.
        if (after >= 0 && batch->first_position > after + 1) {
          return Status::Compacted("records after position " + std::to_string(after) +
                                   " are compacted");
        }
        from_start = false;
      }
      for (size_t i = 0; i < batch->records.size() && out->size() < max_records; ++i) {
        const int64_t position = batch->first_position + static_cast<int64_t>(i);
        if (position <= after) continue;
        out->push_back({position, std::string(batch->records[i])});
      }
      // Stay on an entry whose records were not all taken.
      const int64_t taken = out->empty() ? after : out->back().position;
      index = taken < batch->last_position() ? e.index : e.index + 1;
    }
  }
  cursor_after_ = out->empty() ? after : out->back().position;
  cursor_index_ = index;
  return Status::OK();
}

int64_t CommittedLogReader::CommitPosition() const {
  const int64_t position = commit_position_->load(std::memory_order_acquire);
  return position > 0 ? position : -1;
}

}  // namespace waggle::partitions
