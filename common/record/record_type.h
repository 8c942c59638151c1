// RecordType: whether a record asks (COMMAND), states a fact (EVENT) or
// refuses a command (COMMAND_REJECTION); Zeebe's codes.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "common/record/named_code.h"

namespace waggle::record {

#define WAGGLE_RECORD_TYPES(X) \
  X(kEvent, "EVENT", 0)        \
  X(kCommand, "COMMAND", 1)    \
  X(kCommandRejection, "COMMAND_REJECTION", 2)

enum class RecordType : uint8_t { WAGGLE_RECORD_TYPES(WAGGLE_RECORD_ENUMERATOR) };

inline constexpr NamedCode kRecordTypes[] = {WAGGLE_RECORD_TYPES(WAGGLE_RECORD_NAMED_CODE)};

inline std::optional<std::string_view> RecordTypeName(RecordType type) {
  return NameOfCode(kRecordTypes, static_cast<uint8_t>(type));
}

inline std::optional<RecordType> RecordTypeFromCode(uint8_t code) {
  return EnumFromCode<RecordType>(kRecordTypes, code);
}

inline std::optional<RecordType> RecordTypeFromName(std::string_view name) {
  return EnumFromName<RecordType>(kRecordTypes, name);
}

}  // namespace waggle::record
