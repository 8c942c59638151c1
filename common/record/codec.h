// Encoding and decoding of log records (record.fbs). Records come off the
// log and the network, so decoding treats its input as untrusted: the
// FlatBuffers Verifier runs first, then the header's codes are checked.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/record/record_generated.h"
#include "common/record/value_type.h"
#include "common/status.h"

namespace waggle::record {

// The value table of `type`, or nullopt for value types that have no table
// (yet): records of those carry no typed value.
std::optional<fb::RecordValue> ValueTableOf(ValueType type);
// REQUIRES: tag != fb::RecordValue::NONE
ValueType ValueTypeOf(fb::RecordValue tag);

// REQUIRES: record.value_type is ValueTypeOf(record.typed_value.type), or the
// value type has no table and typed_value is empty.
std::string EncodeRecord(const fb::RecordT& record);

// Verifies `bytes` and returns a view into them, valid while they live.
// Corruption when the buffer does not verify, a code is unknown (record type,
// value type, intent of that value type, rejection type), the typed value
// does not match value_type, or a distributed command is not itself a valid
// record (or is a distribution again). InvalidArgument when `bytes` are not
// 8-byte aligned (DecodeRecord accepts any alignment).
Result<const fb::Record*> VerifyRecord(std::string_view bytes);

// An 8-byte aligned copy of some bytes, for VerifyRecord and GetRecord on
// bytes of any alignment (FlatBuffers reads int64 fields in place).
class AlignedBytes {
 public:
  explicit AlignedBytes(std::string_view bytes);
  std::string_view view() const { return {reinterpret_cast<const char*>(words_.data()), size_}; }

 private:
  std::vector<uint64_t> words_;
  size_t size_;
};

// VerifyRecord, then a copy into the object API.
Result<fb::RecordT> DecodeRecord(std::string_view bytes);

}  // namespace waggle::record
