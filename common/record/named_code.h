// NamedCode: one entry of a table that pairs a Zeebe enum's numeric code with
// its name as Zeebe spells it ("PROCESS_INSTANCE", "ELEMENT_ACTIVATED"). The
// enums of the record model are declared as X-macro lists, so each value is
// written once and both the C++ enum and its table come from it.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace waggle::record {

struct NamedCode {
  uint8_t code;
  std::string_view name;
};

// X-macro callbacks for lists of X(enumerator, "NAME", code).
#define WAGGLE_RECORD_ENUMERATOR(enumerator, name, code) enumerator = code,
#define WAGGLE_RECORD_NAMED_CODE(enumerator, name, code) NamedCode{code, name},

// The name of `code` in `table`, or nullopt when the table has no such code.
constexpr std::optional<std::string_view> NameOfCode(std::span<const NamedCode> table,
                                                     uint8_t code) {
  for (const NamedCode& entry : table) {
    if (entry.code == code) return entry.name;
  }
  return std::nullopt;
}

// The code named `name` in `table` (exact, case-sensitive), or nullopt.
constexpr std::optional<uint8_t> CodeOfName(std::span<const NamedCode> table,
                                            std::string_view name) {
  for (const NamedCode& entry : table) {
    if (entry.name == name) return entry.code;
  }
  return std::nullopt;
}

// The enumerator of `Enum` with `code`, or nullopt when `table` lacks it.
template <typename Enum>
constexpr std::optional<Enum> EnumFromCode(std::span<const NamedCode> table, uint8_t code) {
  if (!NameOfCode(table, code)) return std::nullopt;
  return static_cast<Enum>(code);
}

template <typename Enum>
constexpr std::optional<Enum> EnumFromName(std::span<const NamedCode> table,
                                           std::string_view name) {
  std::optional<uint8_t> code = CodeOfName(table, name);
  if (!code) return std::nullopt;
  return static_cast<Enum>(*code);
}

}  // namespace waggle::record
