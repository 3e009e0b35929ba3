#pragma once
// A parsed template: one node type for statements and expressions, as the
// reference's AST has them. Each kind uses the fields its comment names.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "chat/jinja_error.h"

namespace reach::run::jinja {

enum class NodeKind {
  // statements (each evaluates to what it prints)
  Text,          // name: the text
  If,            // a: test; body; orelse
  For,           // a: target (Name or Tuple), b: iterable, c: select test or null; body; orelse
  Set,           // a: target (Name, Tuple or Member); b: value, or null and body
  Macro,         // name; args: parameters (Name or Keyword); body
  CallBlock,     // a: Call; args: caller's parameters; body
  FilterBlock,   // a: filter (Name or Call); body
  Break, Continue, Comment,
  // expressions
  Integer,       // number
  Float,         // number
  String,        // name: the string
  Name,          // name
  List, Tuple,   // args: items
  Dict,          // args: key, value, key, value, ...
  Member,        // a: object, b: property (Slice for a[x:y]); computed: [] rather than .
  Slice,         // a, b, c: start, stop, step (each may be null)
  Call,          // a: callee; args (Keyword, Spread and KeywordSpread among them)
  Keyword,       // name = a
  Spread,        // *a
  KeywordSpread, // **a
  Unary,         // name: operator ("not", "-", "+"); a
  Binary,        // name: operator; a, b
  Filter,        // a: operand; b: filter (Name or Call)
  Test,          // a: operand; name: test; negate
  Select,        // a if b (no else): undefined when b is false
  Ternary,       // a if b else c
};

struct Node;
using NodePtr = std::unique_ptr<Node>;

struct Node {
  NodeKind kind;
  SourcePos at;
  std::string name;
  double number = 0;
  bool computed = false, negate = false;
  NodePtr a, b, c;
  std::vector<NodePtr> args, body, orelse;
};

struct Program {
  std::vector<NodePtr> body;
};

}  // namespace reach::run::jinja
