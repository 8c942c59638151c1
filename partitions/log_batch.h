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
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

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

}  // namespace waggle::partitions
