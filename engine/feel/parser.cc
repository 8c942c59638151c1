// A recursive-descent parser for the FEEL subset, implementing Parse from
// feel.h. `depth` counts nesting (parentheses, brackets, arguments, unary
// minus), not precedence levels, and is bounded by kMaxNestingDepth. Precedence, loosest first:
// if/for/some/every; or; and; comparison, between, in; + -; * /; **; unary -; postfix (.name,
// [filter], (call)).
#include <charconv>
#include <cmath>
#include <string>

#include "engine/feel/ast.h"
#include "engine/feel/lexer.h"

namespace waggle::feel {
namespace {

// Function names that contain spaces. The lexer yields their words as
// separate names; the parser joins them where they are followed by '('.
constexpr std::string_view kMultiWordFunctions[] = {"years and months duration",
                                                    "date and time",
                                                    "substring before",
                                                    "substring after",
                                                    "string length",
                                                    "starts with",
                                                    "ends with",
                                                    "upper case",
                                                    "lower case",
                                                    "list contains",
                                                    "is defined",
                                                    "random number",
                                                    "get or else",
                                                    "string join",
                                                    "index of",
                                                    "distinct values",
                                                    "is empty",
                                                    "day of week",
                                                    "month of year",
                                                    "get value",
                                                    "context put",
                                                    "last day of month",
                                                    "day of year",
                                                    "week of year",
                                                    "insert before",
                                                    "get entries",
                                                    "context merge"};

bool IsReserved(std::string_view word) {
  static constexpr std::string_view kReserved[] = {
      "and",  "or",    "if",        "then",    "else", "for",   "in",  "return",
      "some", "every", "satisfies", "between", "true", "false", "null"};
  for (std::string_view r : kReserved) {
    if (word == r) return true;
  }
  return false;
}

class Parser {
 public:
  Parser(std::string_view text, std::vector<Token> tokens)
      : text_(text), tokens_(std::move(tokens)) {}

  Result<std::unique_ptr<Node>> Run() {
    auto root = Expr(0);
    if (!root.ok()) return root;
    if (Peek().kind != TokenKind::kEnd) return Unexpected("end of expression");
    return root;
  }

 private:
  using NodeResult = Result<std::unique_ptr<Node>>;

  const Token& Peek(size_t ahead = 0) const {
    return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)];
  }
  bool IsSymbol(std::string_view s, size_t ahead = 0) const {
    return Peek(ahead).kind == TokenKind::kSymbol && Peek(ahead).text == s;
  }
  bool IsWord(std::string_view s, size_t ahead = 0) const {
    return Peek(ahead).kind == TokenKind::kName && Peek(ahead).text == s;
  }
  bool ConsumeSymbol(std::string_view s) {
    if (!IsSymbol(s)) return false;
    ++pos_;
    return true;
  }
  bool ConsumeWord(std::string_view s) {
    if (!IsWord(s)) return false;
    ++pos_;
    return true;
  }

  Status ErrorAt(const std::string& what, size_t offset) const {
    return Status::InvalidArgument(what + " at " + DescribePosition(text_, offset));
  }
  Status Unexpected(const std::string& expected) const {
    const Token& t = Peek();
    const std::string found = t.kind == TokenKind::kEnd ? "end of expression" : "'" + t.text + "'";
    return ErrorAt("expected " + expected + " but found " + found, t.offset);
  }
  Status Expect(std::string_view symbol) {
    if (ConsumeSymbol(symbol)) return Status::OK();
    return Unexpected("'" + std::string(symbol) + "'");
  }
  Status ExpectWord(std::string_view word) {
    if (ConsumeWord(word)) return Status::OK();
    return Unexpected("'" + std::string(word) + "'");
  }

  std::unique_ptr<Node> Make(NodeKind kind, size_t offset) {
    auto node = std::make_unique<Node>();
    node->kind = kind;
    node->column = static_cast<int>(offset) + 1;
    return node;
  }
  // Adds a child, failing when the tree grows deeper than evaluation may
  // recurse (chains like 1+1+...+1 deepen the tree without deep parsing).
  Status Adopt(Node& parent, std::unique_ptr<Node> child) {
    parent.height = std::max(parent.height, child->height + 1);
    parent.children.push_back(std::move(child));
    if (parent.height > kMaxNestingDepth) {
      return ErrorAt("expression nests deeper than " + std::to_string(kMaxNestingDepth) + " levels",
                     static_cast<size_t>(parent.column - 1));
    }
    return Status::OK();
  }
  NodeResult Binary(NodeKind kind, std::string op, std::unique_ptr<Node> left,
                    std::unique_ptr<Node> right) {
    auto node = Make(kind, static_cast<size_t>(left->column - 1));
    node->text = std::move(op);
    if (Status s = Adopt(*node, std::move(left)); !s.ok()) return s;
    if (Status s = Adopt(*node, std::move(right)); !s.ok()) return s;
    return node;
  }

  // Guards the recursion: each nesting level of the text passes here once.
  Status Enter(int depth) const {
    if (depth <= kMaxNestingDepth) return Status::OK();
    return ErrorAt("expression nests deeper than " + std::to_string(kMaxNestingDepth) + " levels",
                   Peek().offset);
  }

  NodeResult Expr(int depth) {
    if (Status s = Enter(depth); !s.ok()) return s;
    const size_t offset = Peek().offset;
    if (IsWord("if")) return If(depth, offset);
    if (IsWord("for")) return Quantified(NodeKind::kFor, "return", depth, offset);
    if (IsWord("some")) return Quantified(NodeKind::kSome, "satisfies", depth, offset);
    if (IsWord("every")) return Quantified(NodeKind::kEvery, "satisfies", depth, offset);
    return Disjunction(depth);
  }

  NodeResult If(int depth, size_t offset) {
    ++pos_;
    auto node = Make(NodeKind::kIf, offset);
    for (std::string_view keyword : {"then", "else", ""}) {
      auto part = Expr(depth + 1);
      if (!part.ok()) return part;
      if (Status s = Adopt(*node, std::move(part).value()); !s.ok()) return s;
      if (!keyword.empty()) {
        if (Status s = ExpectWord(keyword); !s.ok()) return s;
      }
    }
    return node;
  }

  // for/some/every: NAME in EXPR [, NAME in EXPR]* KEYWORD EXPR
  NodeResult Quantified(NodeKind kind, std::string_view keyword, int depth, size_t offset) {
    ++pos_;
    auto node = Make(kind, offset);
    do {
      if (Peek().kind != TokenKind::kName || IsReserved(Peek().text)) {
        return Unexpected("a name");
      }
      node->names.push_back(Peek().text);
      ++pos_;
      if (Status s = ExpectWord("in"); !s.ok()) return s;
      auto collection = Disjunction(depth + 1);
      if (!collection.ok()) return collection;
      std::unique_ptr<Node> iterated = std::move(collection).value();
      if (kind == NodeKind::kFor && IsSymbol("..")) {  // for i in 1..3
        ++pos_;
        auto high = Disjunction(depth + 1);
        if (!high.ok()) return high;
        auto range = Make(NodeKind::kRange, static_cast<size_t>(iterated->column - 1));
        if (Status s = Adopt(*range, std::move(iterated)); !s.ok()) return s;
        if (Status s = Adopt(*range, std::move(high).value()); !s.ok()) return s;
        iterated = std::move(range);
      }
      if (Status s = Adopt(*node, std::move(iterated)); !s.ok()) return s;
    } while (ConsumeSymbol(","));
    if (Status s = ExpectWord(keyword); !s.ok()) return s;
    auto body = Expr(depth + 1);
    if (!body.ok()) return body;
    if (Status s = Adopt(*node, std::move(body).value()); !s.ok()) return s;
    return node;
  }

  NodeResult Disjunction(int depth) {
    auto left = Conjunction(depth);
    while (left.ok() && IsWord("or")) {
      ++pos_;
      auto right = Conjunction(depth);
      if (!right.ok()) return right;
      left = Binary(NodeKind::kOr, "or", std::move(left).value(), std::move(right).value());
    }
    return left;
  }

  NodeResult Conjunction(int depth) {
    auto left = Comparison(depth);
    while (left.ok() && IsWord("and")) {
      ++pos_;
      auto right = Comparison(depth);
      if (!right.ok()) return right;
      left = Binary(NodeKind::kAnd, "and", std::move(left).value(), std::move(right).value());
    }
    return left;
  }

  bool AtComparisonOperator() const {
    for (std::string_view op : {"=", "!=", "<", "<=", ">", ">="}) {
      if (IsSymbol(op)) return true;
    }
    return false;
  }

  NodeResult Comparison(int depth) {
    auto left = Additive(depth);
    if (!left.ok()) return left;
    if (AtComparisonOperator()) {
      std::string op = Peek().text;
      ++pos_;
      auto right = Additive(depth);
      if (!right.ok()) return right;
      return Binary(NodeKind::kComparison, std::move(op), std::move(left).value(),
                    std::move(right).value());
    }
    if (IsWord("between")) {
      ++pos_;
      auto node = Make(NodeKind::kBetween, static_cast<size_t>(left.value()->column - 1));
      if (Status s = Adopt(*node, std::move(left).value()); !s.ok()) return s;
      auto low = Additive(depth);
      if (!low.ok()) return low;
      if (Status s = Adopt(*node, std::move(low).value()); !s.ok()) return s;
      if (Status s = ExpectWord("and"); !s.ok()) return s;
      auto high = Additive(depth);
      if (!high.ok()) return high;
      if (Status s = Adopt(*node, std::move(high).value()); !s.ok()) return s;
      return node;
    }
    if (IsWord("in")) {
      ++pos_;
      auto node = Make(NodeKind::kIn, static_cast<size_t>(left.value()->column - 1));
      if (Status s = Adopt(*node, std::move(left).value()); !s.ok()) return s;
      // "x in (1, 2, < 0)": a parenthesized list of tests; "x in (1..2)" is
      // one range test, which UnaryTest parses as a primary.
      const bool parenthesized = IsSymbol("(") && !ParenthesisOpensRange();
      if (parenthesized) ++pos_;
      do {
        auto test = UnaryTest(depth);
        if (!test.ok()) return test;
        if (Status s = Adopt(*node, std::move(test).value()); !s.ok()) return s;
      } while (parenthesized && ConsumeSymbol(","));
      if (parenthesized) {
        if (Status s = Expect(")"); !s.ok()) return s;
      }
      return node;
    }
    return left;
  }

  // At '(': whether it opens an interval like (1..5] rather than a group,
  // i.e. whether a '..' follows at the same bracket depth before ',' or ')'.
  bool ParenthesisOpensRange() const {
    int nesting = 0;
    for (size_t i = pos_ + 1; i < tokens_.size(); ++i) {
      const Token& t = tokens_[i];
      if (t.kind != TokenKind::kSymbol) continue;
      if (t.text == "(" || t.text == "[" || t.text == "{") ++nesting;
      if (t.text == ")" || t.text == "]" || t.text == "}") {
        if (nesting == 0) return false;
        --nesting;
      }
      if (nesting == 0 && t.text == ",") return false;
      if (nesting == 0 && t.text == "..") return true;
    }
    return false;
  }

  NodeResult UnaryTest(int depth) {
    auto node = Make(NodeKind::kUnaryTest, Peek().offset);
    if (AtComparisonOperator()) {
      node->text = Peek().text;
      ++pos_;
    }
    auto operand = Additive(depth);
    if (!operand.ok()) return operand;
    if (Status s = Adopt(*node, std::move(operand).value()); !s.ok()) return s;
    return node;
  }

  NodeResult Additive(int depth) {
    auto left = Multiplicative(depth);
    while (left.ok() && (IsSymbol("+") || IsSymbol("-"))) {
      std::string op = Peek().text;
      ++pos_;
      auto right = Multiplicative(depth);
      if (!right.ok()) return right;
      left = Binary(NodeKind::kArithmetic, std::move(op), std::move(left).value(),
                    std::move(right).value());
    }
    return left;
  }

  NodeResult Multiplicative(int depth) {
    auto left = Power(depth);
    while (left.ok() && (IsSymbol("*") || IsSymbol("/"))) {
      std::string op = Peek().text;
      ++pos_;
      auto right = Power(depth);
      if (!right.ok()) return right;
      left = Binary(NodeKind::kArithmetic, std::move(op), std::move(left).value(),
                    std::move(right).value());
    }
    return left;
  }

  NodeResult Power(int depth) {
    auto left = Unary(depth);
    while (left.ok() && IsSymbol("**")) {
      ++pos_;
      auto right = Unary(depth);
      if (!right.ok()) return right;
      left = Binary(NodeKind::kArithmetic, "**", std::move(left).value(), std::move(right).value());
    }
    return left;
  }

  NodeResult Unary(int depth) {
    if (Status s = Enter(depth); !s.ok()) return s;
    if (!IsSymbol("-")) return Postfix(depth);
    const size_t offset = Peek().offset;
    ++pos_;
    auto operand = Unary(depth + 1);
    if (!operand.ok()) return operand;
    auto node = Make(NodeKind::kNegate, offset);
    if (Status s = Adopt(*node, std::move(operand).value()); !s.ok()) return s;
    return node;
  }

  NodeResult Postfix(int depth) {
    auto base = Primary(depth);
    while (base.ok()) {
      if (IsSymbol(".")) {
        ++pos_;
        if (Peek().kind != TokenKind::kName) return Unexpected("a name after '.'");
        auto node = Make(NodeKind::kPath, Peek().offset);
        node->text = Peek().text;
        ++pos_;
        if (Status s = Adopt(*node, std::move(base).value()); !s.ok()) return s;
        base = std::move(node);
      } else if (IsSymbol("[")) {
        const size_t offset = Peek().offset;
        ++pos_;
        auto filter = Expr(depth + 1);
        if (!filter.ok()) return filter;
        if (Status s = Expect("]"); !s.ok()) return s;
        auto node = Make(NodeKind::kFilter, offset);
        if (Status s = Adopt(*node, std::move(base).value()); !s.ok()) return s;
        if (Status s = Adopt(*node, std::move(filter).value()); !s.ok()) return s;
        base = std::move(node);
      } else {
        break;
      }
    }
    return base;
  }

  NodeResult Primary(int depth) {
    if (Status s = Enter(depth); !s.ok()) return s;
    const Token& token = Peek();
    const size_t offset = token.offset;
    switch (token.kind) {
      case TokenKind::kNumber: {
        auto node = Make(NodeKind::kNumber, offset);
        const char* begin = token.text.data();
        auto [end, error] = std::from_chars(begin, begin + token.text.size(), node->number);
        if (error != std::errc() || !std::isfinite(node->number)) {
          return ErrorAt("number out of range", offset);
        }
        ++pos_;
        return node;
      }
      case TokenKind::kString:
      case TokenKind::kTemporal: {
        auto node = Make(token.kind == TokenKind::kString ? NodeKind::kString : NodeKind::kTemporal,
                         offset);
        node->text = token.text;
        ++pos_;
        return node;
      }
      case TokenKind::kName: return NameOrCall(depth);
      case TokenKind::kSymbol: break;
      case TokenKind::kEnd: return Unexpected("an expression");
    }
    if (IsSymbol("(")) {
      ++pos_;
      auto inner = Expr(depth + 1);
      if (!inner.ok()) return inner;
      if (IsSymbol("..")) return RangeRest(std::move(inner).value(), false, offset, depth);
      if (Status s = Expect(")"); !s.ok()) return s;
      return inner;
    }
    if (IsSymbol("]")) {  // ]low..high]: an interval open at its start
      ++pos_;
      auto low = Expr(depth + 1);
      if (!low.ok()) return low;
      if (!IsSymbol("..")) return Unexpected("'..'");
      return RangeRest(std::move(low).value(), false, offset, depth);
    }
    if (IsSymbol("[")) return ListOrRange(depth, offset);
    if (IsSymbol("{")) return ContextLiteral(depth, offset);
    return Unexpected("an expression");
  }

  // After "[low" or "(low", at "..".
  NodeResult RangeRest(std::unique_ptr<Node> low, bool low_closed, size_t offset, int depth) {
    ++pos_;
    auto high = Expr(depth + 1);
    if (!high.ok()) return high;
    auto node = Make(NodeKind::kRange, offset);
    node->low_closed = low_closed;
    if (IsSymbol("]")) {
      node->high_closed = true;
    } else if (IsSymbol(")")) {
      node->high_closed = false;
    } else {
      return Unexpected("']' or ')' to end the range");
    }
    ++pos_;
    if (Status s = Adopt(*node, std::move(low)); !s.ok()) return s;
    if (Status s = Adopt(*node, std::move(high).value()); !s.ok()) return s;
    return node;
  }

  NodeResult ListOrRange(int depth, size_t offset) {
    ++pos_;
    auto node = Make(NodeKind::kList, offset);
    if (ConsumeSymbol("]")) return node;
    auto first = Expr(depth + 1);
    if (!first.ok()) return first;
    if (IsSymbol("..")) return RangeRest(std::move(first).value(), true, offset, depth);
    if (Status s = Adopt(*node, std::move(first).value()); !s.ok()) return s;
    while (ConsumeSymbol(",")) {
      auto element = Expr(depth + 1);
      if (!element.ok()) return element;
      if (Status s = Adopt(*node, std::move(element).value()); !s.ok()) return s;
    }
    if (Status s = Expect("]"); !s.ok()) return s;
    return node;
  }

  NodeResult ContextLiteral(int depth, size_t offset) {
    ++pos_;
    auto node = Make(NodeKind::kContext, offset);
    if (ConsumeSymbol("}")) return node;
    do {
      const Token& key = Peek();
      if (key.kind != TokenKind::kName && key.kind != TokenKind::kString) {
        return Unexpected("a context key");
      }
      for (const std::string& existing : node->names) {
        if (existing == key.text)
          return ErrorAt("duplicate context key '" + key.text + "'", key.offset);
      }
      node->names.push_back(key.text);
      ++pos_;
      if (Status s = Expect(":"); !s.ok()) return s;
      auto value = Expr(depth + 1);
      if (!value.ok()) return value;
      if (Status s = Adopt(*node, std::move(value).value()); !s.ok()) return s;
    } while (ConsumeSymbol(","));
    if (Status s = Expect("}"); !s.ok()) return s;
    return node;
  }

  // The longest multi-word function name starting here that is followed by
  // '(', as its number of words; 0 if none.
  size_t MultiWordFunctionLength() const {
    size_t best = 0;
    for (std::string_view name : kMultiWordFunctions) {
      size_t words = 0;
      std::string_view rest = name;
      bool matches = true;
      while (!rest.empty()) {
        const size_t space = rest.find(' ');
        const std::string_view word = rest.substr(0, space);
        if (!IsWord(word, words)) {
          matches = false;
          break;
        }
        ++words;
        rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
      }
      if (matches && IsSymbol("(", words) && words > best) best = words;
    }
    return best;
  }

  NodeResult NameOrCall(int depth) {
    const size_t offset = Peek().offset;
    const std::string& word = Peek().text;
    if (word == "true" || word == "false") {
      auto node = Make(NodeKind::kBoolean, offset);
      node->flag = word == "true";
      ++pos_;
      return node;
    }
    if (word == "null") {
      ++pos_;
      return Make(NodeKind::kNull, offset);
    }
    std::string name;
    if (const size_t words = MultiWordFunctionLength(); words > 0) {
      for (size_t i = 0; i < words; ++i) name += (i ? " " : "") + Peek(i).text;
      pos_ += words;
    } else {
      if (IsReserved(word)) return Unexpected("an expression");
      name = word;
      ++pos_;
    }
    if (!IsSymbol("(")) {
      auto node = Make(NodeKind::kName, offset);
      node->text = std::move(name);
      return node;
    }
    ++pos_;
    auto node = Make(NodeKind::kCall, offset);
    node->text = std::move(name);
    if (ConsumeSymbol(")")) return node;
    do {
      auto argument = Expr(depth + 1);
      if (!argument.ok()) return argument;
      if (Status s = Adopt(*node, std::move(argument).value()); !s.ok()) return s;
    } while (ConsumeSymbol(","));
    if (Status s = Expect(")"); !s.ok()) return s;
    return node;
  }

  std::string_view text_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
};

}  // namespace

Result<std::shared_ptr<const Expression>> Parse(std::string_view text) {
  if (text.size() > kMaxExpressionLength) {
    return Status::InvalidArgument("expression longer than " +
                                   std::to_string(kMaxExpressionLength) + " characters");
  }
  auto tokens = Tokenize(text);
  if (!tokens.ok()) return tokens.status();
  auto root = Parser(text, std::move(tokens).value()).Run();
  if (!root.ok()) return root.status();
  return std::shared_ptr<const Expression>(std::make_shared<Expression>(std::move(root).value()));
}

std::optional<std::string> VariableNameOf(const Expression& expression) {
  const Node* node = &expression.root();
  while (node->kind == NodeKind::kPath) node = node->children[0].get();
  if (node->kind != NodeKind::kName) return std::nullopt;
  return node->text;
}

}  // namespace waggle::feel
