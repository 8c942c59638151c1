// Building a COMMAND record from a typed value, as clients of the engine
// (tests, benchmarks, tools) write commands.
#pragma once

#include <cstdint>
#include <utility>

#include "common/record/codec.h"
#include "common/record/intent.h"
#include "common/record/record_type.h"

namespace waggle::record {

template <typename Intent, typename Value>
fb::RecordT Command(Intent intent, Value value, int64_t key = -1) {
  fb::RecordT command;
  command.key = key;
  command.record_type = static_cast<uint8_t>(RecordType::kCommand);
  command.intent = IntentCode(intent);
  command.typed_value.Set(std::move(value));
  command.value_type = static_cast<uint8_t>(ValueTypeOf(command.typed_value.type));
  return command;
}

}  // namespace waggle::record
