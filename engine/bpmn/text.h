// Small string helpers for reading XML attribute and element text.
#pragma once

#include <string_view>

namespace waggle::bpmn {

// `text` without leading and trailing XML whitespace.
inline std::string_view Trim(std::string_view text) {
  constexpr std::string_view kWhitespace = " \t\r\n";
  size_t begin = text.find_first_not_of(kWhitespace);
  if (begin == std::string_view::npos) return {};
  size_t end = text.find_last_not_of(kWhitespace);
  return text.substr(begin, end - begin + 1);
}

}  // namespace waggle::bpmn
