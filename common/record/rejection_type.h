// RejectionType: why a command was rejected; Zeebe's codes. Records that are
// not rejections carry kNullVal (255, SBE's null value for a uint8 enum),
// which Zeebe's exporters render as "NULL_VAL".
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "common/record/named_code.h"

namespace waggle::record {

#define WAGGLE_REJECTION_TYPES(X)                              \
  X(kInvalidArgument, "INVALID_ARGUMENT", 0)                   \
  X(kNotFound, "NOT_FOUND", 1)                                 \
  X(kAlreadyExists, "ALREADY_EXISTS", 2)                       \
  X(kInvalidState, "INVALID_STATE", 3)                         \
  X(kProcessingError, "PROCESSING_ERROR", 4)                   \
  X(kExceededBatchRecordSize, "EXCEEDED_BATCH_RECORD_SIZE", 5) \
  X(kNullVal, "NULL_VAL", 255)

enum class RejectionType : uint8_t { WAGGLE_REJECTION_TYPES(WAGGLE_RECORD_ENUMERATOR) };

inline constexpr NamedCode kRejectionTypes[] = {WAGGLE_REJECTION_TYPES(WAGGLE_RECORD_NAMED_CODE)};

inline std::optional<std::string_view> RejectionTypeName(RejectionType type) {
  return NameOfCode(kRejectionTypes, static_cast<uint8_t>(type));
}

inline std::optional<RejectionType> RejectionTypeFromCode(uint8_t code) {
  return EnumFromCode<RejectionType>(kRejectionTypes, code);
}

inline std::optional<RejectionType> RejectionTypeFromName(std::string_view name) {
  return EnumFromName<RejectionType>(kRejectionTypes, name);
}

}  // namespace waggle::record
