// State values are FlatBuffers tables (state_values.fbs) stored as bytes.
// Pack/Unpack convert between a table's object API type and its bytes.
// Stored bytes are the engine's own and verified all the same: a corrupt
// value is reported as Corruption, never read out of bounds.
#pragma once

#include <string>
#include <string_view>

#include <flatbuffers/flatbuffers.h>

#include "common/status.h"
#include "engine/state/state_values_generated.h"

namespace waggle::engine::state {

template <typename Table>
std::string Pack(const typename Table::NativeTableType& value) {
  flatbuffers::FlatBufferBuilder builder(256);
  builder.Finish(Table::Pack(builder, &value));
  return std::string(reinterpret_cast<const char*>(builder.GetBufferPointer()), builder.GetSize());
}

// REQUIRES: `bytes` 8-byte aligned is not needed: the value is copied out.
template <typename Table>
Result<typename Table::NativeTableType> Unpack(std::string_view bytes) {
  // LevelDB hands out unaligned strings; FlatBuffers reads scalars in place.
  std::string aligned(bytes);
  flatbuffers::Verifier verifier(reinterpret_cast<const uint8_t*>(aligned.data()), aligned.size());
  if (!verifier.VerifyBuffer<Table>(nullptr)) {
    return Status::Corruption("stored value does not verify");
  }
  typename Table::NativeTableType value;
  flatbuffers::GetRoot<Table>(aligned.data())->UnPackTo(&value);
  return value;
}

}  // namespace waggle::engine::state
