// The syntax tree Parse builds and Evaluate walks.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/feel/feel.h"

namespace waggle::feel {

enum class NodeKind {
  kNull,
  kBoolean,     // flag
  kNumber,      // number
  kString,      // text
  kTemporal,    // text: the ISO-8601 text of @"..."
  kName,        // text: a variable
  kList,        // children: the elements
  kContext,     // names[i]: children[i]
  kRange,       // children: low, high (kNull for an open end in unary tests); flags
  kPath,        // children[0].text
  kFilter,      // children[0][children[1]]
  kCall,        // text: function name; children: arguments
  kNegate,      // -children[0]
  kArithmetic,  // children[0] text children[1], text one of + - * / **
  kComparison,  // children[0] text children[1], text one of = != < <= > >=
  kAnd,         // children[0] and children[1]
  kOr,          // children[0] or children[1]
  kBetween,     // children[0] between children[1] and children[2]
  kIn,          // children[0] in (children[1], ...): each a kUnaryTest
  kUnaryTest,   // text: an operator (< <= > >= = !=) against children[0], or empty: a value test
  kIf,          // if children[0] then children[1] else children[2]
  kFor,         // for names[i] in children[i] ... return children.back()
  kSome,        // some names[i] in children[i] ... satisfies children.back()
  kEvery,       // every names[i] in children[i] ... satisfies children.back()
};

struct Node {
  NodeKind kind;
  int column = 0;  // 1-based position in the expression text, for messages
  int height = 1;  // of the subtree: evaluation recurses this deep
  double number = 0;
  bool flag = false;        // kBoolean: the value
  bool low_closed = true;   // kRange
  bool high_closed = true;  // kRange
  std::string text;
  std::vector<std::string> names;
  std::vector<std::unique_ptr<Node>> children;
};

class Expression {
 public:
  explicit Expression(std::unique_ptr<Node> root) : root_(std::move(root)) {}
  const Node& root() const { return *root_; }

 private:
  std::unique_ptr<Node> root_;
};

}  // namespace waggle::feel
