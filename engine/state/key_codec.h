// Key encodings whose byte order (LevelDB's bytewise comparator) equals the
// logical order of the encoded values, so that a composite key such as
// (due_date, timer_key) iterates in due-date order, then timer-key order.
//
// Every encoding is prefix-free: no encoded value is a prefix of another
// value's encoding of the same type, so concatenated fields compare field by
// field. Strings are therefore NOT length-prefixed (a length prefix would sort
// "b" before "aa"): each 0x00 byte becomes 0x00 0xFF and the string ends with
// 0x00 0x01.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace waggle::engine::state {

void AppendUint32(std::string* key, uint32_t value);  // 4 bytes, big-endian
void AppendUint64(std::string* key, uint64_t value);  // 8 bytes, big-endian
// 8 bytes, big-endian with the sign bit flipped, so negatives sort first.
void AppendInt64(std::string* key, int64_t value);
void AppendString(std::string* key, std::string_view value);

// Reads the fields of a key back in the order they were appended. Each Read
// returns false, consuming nothing usable, when the remaining bytes do not
// hold a well-formed field (keys read from disk are not trusted).
class KeyReader {
 public:
  explicit KeyReader(std::string_view key) : rest_(key) {}

  bool ReadUint32(uint32_t* value);
  bool ReadUint64(uint64_t* value);
  bool ReadInt64(int64_t* value);
  bool ReadString(std::string* value);

  bool done() const { return rest_.empty(); }

 private:
  std::string_view rest_;
};

// The smallest key greater than every key that starts with `prefix`, or ""
// when there is none (prefix empty or all 0xFF): the exclusive end of a
// prefix scan, "" meaning unbounded.
std::string PrefixSuccessor(std::string_view prefix);

}  // namespace waggle::engine::state
