// JsonLinesFileExporter (type "file"): writes each record as one line of
// Zeebe's record JSON (common/record/json.h) to files
// <directory>/partition-<id>-<NNNNNN>.jsonl, rotating to the next number when
// a file would exceed maxFileBytes and deleting the oldest beyond maxFiles.
//
// Records are buffered and written (then fsynced when configured) every
// flushEveryRecords records and every flushIntervalMs; a record is
// acknowledged only once it is written (and fsynced).
//
// Restarts: Open finds the last complete line of the partition's newest file,
// truncates a torn partial line after it, and skips (acknowledging) records
// up to that line's position, so a restart on the same directory writes no
// line twice. A new leader on another broker writes its own directory; the
// union of both may repeat records around the failover (partitionId +
// position identify them).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "exporters/exporter.h"

namespace waggle::exporters {

class JsonLinesFileExporter : public Exporter {
 public:
  static constexpr std::string_view kType = "file";

  JsonLinesFileExporter() = default;
  ~JsonLinesFileExporter() override;

  // Settings: directory (required), maxFileBytes (default 128 MiB), maxFiles
  // (default 10, including the one being written), flushEveryRecords
  // (default 1), flushIntervalMs (default 1000; 0: none), fsync (default false).
  Status Configure(const ExporterContext& context) override;
  Status Open(Controller* controller) override;
  Status Export(const record::fb::Record& record) override;
  void Close() override;

 private:
  std::string PathOf(uint64_t file_number) const;
  // Finds existing files and the position of the last line written.
  Status Recover();
  // Writes the buffer out, fsyncs when configured, acknowledges.
  Status Flush();
  // Starts the next file and deletes files beyond max_files_.
  Status Rotate();
  void ScheduleFlush();

  // Settings.
  std::string id_;
  int32_t partition_id_ = 0;
  std::string directory_;
  int64_t max_file_bytes_ = 0;
  int64_t max_files_ = 0;
  int64_t flush_every_records_ = 0;
  int64_t flush_interval_ms_ = 0;
  bool fsync_ = false;

  Controller* controller_ = nullptr;
  ScheduledTask flush_task_;
  std::vector<uint64_t> files_;  // numbers of the partition's files, oldest first
  int fd_ = -1;                  // the newest file, opened on first write
  int64_t file_bytes_ = 0;       // bytes in the newest file
  std::string buffer_;           // lines not yet written
  int64_t buffered_records_ = 0;
  int64_t last_buffered_ = -1;  // position of the last record taken
  int64_t last_written_ = -1;   // position of the last line written (and fsynced)
  bool needs_sync_ = false;     // written but not yet fsynced
};

}  // namespace waggle::exporters
