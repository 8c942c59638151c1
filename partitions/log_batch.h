// LogBatch: the payload of one log entry of a partition, a batch of encoded
// records with consecutive positions.
//
// Each entry stores the position of its first record; record i has position
// first_position + i. Positions are assigned by the leader that writes the
// entry, continuing from the last position in its log, so they increase
// along the committed log and every member reads the same ones.
//
// Format (little-endian): first_position i64, count u32, then count times
// (length u32, record bytes). Record bytes are encoded fb::Record buffers
// (common/record/codec.h), verified by the reader, not here.
//
// The other kind of entry a partition writes holds its exporters' acknowledged
// positions, so that every member knows them (they bound log compaction and
// tell the next leader where to resume). It starts with the value 0 where a
// batch has its first position (positions start at 1): 0 i64, count u32,
// then count times (id length u32, id, position i64, has metadata u8,
// metadata length u32, metadata).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "exporters/source.h"

namespace waggle::partitions {

struct LogBatch {
  int64_t first_position = 0;
  std::vector<std::string_view> records;  // views into the entry's data

  int64_t last_position() const {
    return first_position + static_cast<int64_t>(records.size()) - 1;
  }
};

// REQUIRES: !records.empty()
std::string EncodeLogBatch(int64_t first_position, const std::vector<std::string>& records);

// Corruption when `data` is not a well-formed batch (truncated, trailing
// bytes, no records). The views point into `data`.
Result<LogBatch> DecodeLogBatch(std::string_view data);

// Exporter id -> acknowledged position.
using ExporterPositions = std::map<std::string, exporters::ExporterPosition>;

std::string EncodeExporterPositions(const ExporterPositions& positions);
bool IsExporterPositions(std::string_view entry_data);
// Corruption when `data` is not a well-formed exporter positions entry.
Result<ExporterPositions> DecodeExporterPositions(std::string_view data);

}  // namespace waggle::partitions
