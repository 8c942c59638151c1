#include "engine/state/key_codec.h"

namespace waggle::engine::state {

namespace {

constexpr uint64_t kSignBit = uint64_t{1} << 63;
constexpr char kEscapedZero = '\xFF';  // follows 0x00 for a zero byte inside a string
constexpr char kTerminator = '\x01';   // follows 0x00 at the end of a string

template <typename T>
void AppendBigEndian(std::string* key, T value) {
  for (int shift = (sizeof(T) - 1) * 8; shift >= 0; shift -= 8) {
    key->push_back(static_cast<char>((value >> shift) & 0xFF));
  }
}

template <typename T>
bool ReadBigEndian(std::string_view* rest, T* value) {
  if (rest->size() < sizeof(T)) return false;
  T result = 0;
  for (size_t i = 0; i < sizeof(T); ++i) {
    result = static_cast<T>((result << 8) | static_cast<uint8_t>((*rest)[i]));
  }
  rest->remove_prefix(sizeof(T));
  *value = result;
  return true;
}

}  // namespace

void AppendUint32(std::string* key, uint32_t value) {
  AppendBigEndian(key, value);
}
void AppendUint64(std::string* key, uint64_t value) {
  AppendBigEndian(key, value);
}
void AppendInt64(std::string* key, int64_t value) {
  AppendBigEndian(key, static_cast<uint64_t>(value) ^ kSignBit);
}

void AppendString(std::string* key, std::string_view value) {
  for (char c : value) {
    key->push_back(c);
    if (c == '\0') key->push_back(kEscapedZero);
  }
  key->push_back('\0');
  key->push_back(kTerminator);
}

bool KeyReader::ReadUint32(uint32_t* value) {
  return ReadBigEndian(&rest_, value);
}
bool KeyReader::ReadUint64(uint64_t* value) {
  return ReadBigEndian(&rest_, value);
}
bool KeyReader::ReadInt64(int64_t* value) {
  uint64_t encoded;
  if (!ReadBigEndian(&rest_, &encoded)) return false;
  *value = static_cast<int64_t>(encoded ^ kSignBit);
  return true;
}

bool KeyReader::ReadString(std::string* value) {
  std::string result;
  for (size_t i = 0; i < rest_.size(); ++i) {
    if (rest_[i] != '\0') {
      result.push_back(rest_[i]);
      continue;
    }
    if (i + 1 == rest_.size()) return false;
    const char marker = rest_[++i];
    if (marker == kTerminator) {
      rest_.remove_prefix(i + 1);
      *value = std::move(result);
      return true;
    }
    if (marker != kEscapedZero) return false;
    result.push_back('\0');
  }
  return false;
}

std::string PrefixSuccessor(std::string_view prefix) {
  std::string successor(prefix);
  while (!successor.empty()) {
    const auto last = static_cast<uint8_t>(successor.back());
    if (last != 0xFF) {
      successor.back() = static_cast<char>(last + 1);
      return successor;
    }
    successor.pop_back();
  }
  return successor;
}

}  // namespace waggle::engine::state
