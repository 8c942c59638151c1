#include "engine/feel/lexer.h"

#include <optional>

namespace waggle::feel {
namespace {

bool IsNameStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$' ||
         static_cast<unsigned char>(c) >= 0x80;  // UTF-8 letters
}
bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}
bool IsNamePart(char c) {
  return IsNameStart(c) || IsDigit(c);
}
bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void AppendUtf8(std::string& out, uint32_t code_point) {
  if (code_point < 0x80) {
    out.push_back(static_cast<char>(code_point));
  } else if (code_point < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (code_point >> 6)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else if (code_point < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (code_point >> 12)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (code_point >> 18)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  }
}

// The length of the well-formed UTF-8 sequence at text[i], or 0.
size_t Utf8SequenceLength(std::string_view text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) return 1;
  size_t length;
  uint32_t code_point;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2, code_point = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3, code_point = lead & 0x0F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4, code_point = lead & 0x07;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    code_point = (code_point << 6) | (byte(i + k) & 0x3F);
  }
  const uint32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
  if (code_point < smallest[length] || code_point > 0x10FFFF ||
      (code_point >= 0xD800 && code_point <= 0xDFFF)) {
    return 0;
  }
  return length;
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  Result<std::vector<Token>> Run() {
    // Strings in the text become JSON strings, which must be valid UTF-8.
    for (size_t i = 0; i < text_.size();) {
      const size_t length = Utf8SequenceLength(text_, i);
      if (length == 0) return Error("invalid UTF-8", i);
      i += length;
    }
    std::vector<Token> tokens;
    while (true) {
      Status skipped = SkipSpaceAndComments();
      if (!skipped.ok()) return skipped;
      if (pos_ == text_.size()) break;
      auto token = Next();
      if (!token.ok()) return token.status();
      tokens.push_back(std::move(token).value());
    }
    tokens.push_back(Token{TokenKind::kEnd, "", text_.size()});
    return tokens;
  }

 private:
  char At(size_t i) const { return i < text_.size() ? text_[i] : '\0'; }

  Status Error(const std::string& what, size_t offset) const {
    return Status::InvalidArgument(what + " at " + DescribePosition(text_, offset));
  }

  Status SkipSpaceAndComments() {
    while (pos_ < text_.size()) {
      if (IsSpace(text_[pos_])) {
        ++pos_;
      } else if (At(pos_) == '/' && At(pos_ + 1) == '/') {
        while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
      } else if (At(pos_) == '/' && At(pos_ + 1) == '*') {
        const size_t end = text_.find("*/", pos_ + 2);
        if (end == std::string_view::npos) return Error("unterminated comment", pos_);
        pos_ = end + 2;
      } else {
        break;
      }
    }
    return Status::OK();
  }

  Result<Token> Next() {
    const size_t start = pos_;
    const char c = text_[pos_];
    if (IsDigit(c) || (c == '.' && IsDigit(At(pos_ + 1)))) {
      while (IsDigit(At(pos_))) ++pos_;
      if (At(pos_) == '.' && IsDigit(At(pos_ + 1))) {
        ++pos_;
        while (IsDigit(At(pos_))) ++pos_;
      }
      return Token{TokenKind::kNumber, std::string(text_.substr(start, pos_ - start)), start};
    }
    if (IsNameStart(c)) {
      while (IsNamePart(At(pos_))) ++pos_;
      return Token{TokenKind::kName, std::string(text_.substr(start, pos_ - start)), start};
    }
    if (c == '`') {
      const size_t end = text_.find('`', pos_ + 1);
      if (end == std::string_view::npos) return Error("unterminated `name`", start);
      pos_ = end + 1;
      return Token{TokenKind::kName, std::string(text_.substr(start + 1, end - start - 1)), start};
    }
    if (c == '"') return String(TokenKind::kString, start);
    if (c == '@' && At(pos_ + 1) == '"') {
      ++pos_;
      return String(TokenKind::kTemporal, start);
    }
    static constexpr std::string_view kTwoCharSymbols[] = {"..", "**", "!=", "<=", ">="};
    for (std::string_view symbol : kTwoCharSymbols) {
      if (text_.substr(pos_, 2) == symbol) {
        pos_ += 2;
        return Token{TokenKind::kSymbol, std::string(symbol), start};
      }
    }
    if (std::string_view("()[]{},:.+-*/=<>").find(c) != std::string_view::npos) {
      ++pos_;
      return Token{TokenKind::kSymbol, std::string(1, c), start};
    }
    return Error("unexpected character '" + std::string(1, c) + "'", start);
  }

  // After "\\u": four hex digits, or a surrogate pair of two escapes.
  Result<uint32_t> UnicodeEscape() {
    const size_t start = pos_ - 2;
    auto four_hex_digits = [this]() -> std::optional<uint32_t> {
      uint32_t unit = 0;
      for (int i = 0; i < 4; ++i) {
        const int digit = HexDigit(At(pos_));
        if (digit < 0) return std::nullopt;
        unit = unit * 16 + static_cast<uint32_t>(digit);
        ++pos_;
      }
      return unit;
    };
    auto unit = four_hex_digits();
    if (!unit) return Error("bad \\u escape", start);
    if (*unit < 0xD800 || *unit > 0xDFFF) return *unit;
    if (*unit > 0xDBFF || At(pos_) != '\\' || At(pos_ + 1) != 'u') {
      return Error("unpaired surrogate in \\u escape", start);
    }
    pos_ += 2;
    auto low = four_hex_digits();
    if (!low || *low < 0xDC00 || *low > 0xDFFF) {
      return Error("unpaired surrogate in \\u escape", start);
    }
    return 0x10000 + ((*unit - 0xD800) << 10) + (*low - 0xDC00);
  }

  // REQUIRES: text_[pos_] == '"'
  Result<Token> String(TokenKind kind, size_t start) {
    std::string value;
    ++pos_;
    while (true) {
      if (pos_ >= text_.size()) return Error("unterminated string", start);
      const char c = text_[pos_++];
      if (c == '"') break;
      if (c != '\\') {
        value.push_back(c);
        continue;
      }
      const char escaped = At(pos_++);
      switch (escaped) {
        case '"': value.push_back('"'); break;
        case '\'': value.push_back('\''); break;
        case '\\': value.push_back('\\'); break;
        case 'n': value.push_back('\n'); break;
        case 'r': value.push_back('\r'); break;
        case 't': value.push_back('\t'); break;
        case 'u': {
          auto code_point = UnicodeEscape();
          if (!code_point.ok()) return code_point.status();
          AppendUtf8(value, code_point.value());
          break;
        }
        default: return Error("bad escape in string", pos_ - 2);
      }
    }
    return Token{kind, std::move(value), start};
  }

  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

Result<std::vector<Token>> Tokenize(std::string_view text) {
  return Lexer(text).Run();
}

std::string DescribePosition(std::string_view text, size_t offset) {
  size_t line = 1, line_start = 0;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  const std::string column = "column " + std::to_string(offset - line_start + 1);
  if (text.find('\n') == std::string_view::npos) return column;
  return "line " + std::to_string(line) + ", " + column;
}

}  // namespace waggle::feel
