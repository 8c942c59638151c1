// Splits FEEL text into tokens. Keywords (and, if, ...) are kName tokens: the
// parser decides by position, as FEEL names may contain keywords
// ("date and time").
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace waggle::feel {

enum class TokenKind {
  kNumber,    // text: the digits
  kString,    // text: the unescaped contents
  kTemporal,  // text: the unescaped contents of @"..."
  kName,      // text: the word
  kSymbol,    // text: one of ( ) [ ] { } , : . .. + - * ** / = != < <= > >=
  kEnd,
};

struct Token {
  TokenKind kind;
  std::string text;
  size_t offset;  // of the first character, 0-based
};

// Errors: kInvalidArgument for an unterminated string or comment, a bad
// escape or a character FEEL does not know, naming the position.
Result<std::vector<Token>> Tokenize(std::string_view text);

// "column 7" or, for multi-line text, "line 2, column 3", of a 0-based offset.
std::string DescribePosition(std::string_view text, size_t offset);

}  // namespace waggle::feel
