#include "chat/jinja_parser.h"

#include <cstdlib>
#include <set>
#include <utility>

namespace reach::run::jinja {
namespace {

class Parser {
 public:
  explicit Parser(const std::vector<Token>& tokens) : t_(tokens) {}

  Program program() {
    Program p;
    while (i_ < t_.size()) p.body.push_back(any());
    return p;
  }

 private:
  static constexpr int kMaxDepth = 200;
  const std::vector<Token>& t_;
  size_t i_ = 0;
  int depth_ = 0;

  // --- token helpers --------------------------------------------------------
  SourcePos here() const { return i_ < t_.size() ? t_[i_].at : (t_.empty() ? SourcePos{} : t_.back().at); }
  [[noreturn]] void fail(const std::string& what) const { throw TemplateError(what, here()); }
  bool is(Tok type, size_t ahead = 0) const { return i_ + ahead < t_.size() && t_[i_ + ahead].type == type; }
  bool is_name(const char* name, size_t ahead = 0) const { return is(Tok::Name, ahead) && t_[i_ + ahead].value == name; }
  bool is_statement(std::initializer_list<const char*> names) const {
    if (!is(Tok::OpenStatement) || !is(Tok::Name, 1)) return false;
    for (const char* n : names)
      if (t_[i_ + 1].value == n) return true;
    return false;
  }
  const Token& expect(Tok type, const char* what) {
    if (!is(type)) fail(std::string("expected ") + what + (i_ < t_.size() ? ", found '" + t_[i_].value + "'" : ", found the end of the template"));
    return t_[i_++];
  }
  void expect_name(const char* name) {
    if (!is_name(name)) fail(std::string("expected '") + name + "'");
    ++i_;
  }
  void expect_end_tag(const char* name) {
    expect(Tok::OpenStatement, "'{%'");
    expect_name(name);
    expect(Tok::CloseStatement, "'%}'");
  }
  NodePtr node(NodeKind kind, SourcePos at) {
    auto n = std::make_unique<Node>();
    n->kind = kind;
    n->at = at;
    return n;
  }
  NodePtr node(NodeKind kind) { return node(kind, here()); }
  // The statements up to one of `ends`; `closer` names the tag that is
  // missing when the template ends first.
  std::vector<NodePtr> block_until(std::initializer_list<const char*> ends, const char* closer) {
    std::vector<NodePtr> body;
    while (!is_statement(ends)) {
      if (i_ >= t_.size()) fail(std::string("missing '{% ") + closer + " %}'");
      body.push_back(any());
    }
    return body;
  }

  // --- statements -----------------------------------------------------------
  NodePtr any() {
    switch (t_[i_].type) {
      case Tok::Comment: return node(NodeKind::Comment, t_[i_++].at);
      case Tok::Text: {
        NodePtr n = node(NodeKind::Text);
        n->name = t_[i_++].value;
        return n;
      }
      case Tok::OpenStatement: return statement();
      case Tok::OpenExpression: {
        ++i_;
        NodePtr e = expression();
        expect(Tok::CloseExpression, "'}}'");
        return e;
      }
      default: fail("unexpected '" + t_[i_].value + "'");
    }
  }

  NodePtr statement() {
    Nested guard(*this);
    return statement_body();
  }

  NodePtr statement_body() {
    ++i_;  // {%
    if (!is(Tok::Name)) fail("expected a statement name");
    std::string name = t_[i_].value;
    SourcePos at = here();
    ++i_;
    NodePtr n;
    if (name == "set") return set_statement(at);
    if (name == "if") {
      n = if_statement(at);
      expect_end_tag("endif");
    } else if (name == "for") {
      n = for_statement(at);
      expect_end_tag("endfor");
    } else if (name == "macro") {
      n = macro_statement(at);
      expect_end_tag("endmacro");
    } else if (name == "call") {
      n = call_block(at);
    } else if (name == "filter") {
      n = filter_block(at);
    } else if (name == "break" || name == "continue") {
      expect(Tok::CloseStatement, "'%}'");
      n = node(name == "break" ? NodeKind::Break : NodeKind::Continue, at);
    } else {
      throw TemplateError("unsupported statement '{% " + name + " %}'", at);
    }
    return n;
  }

  NodePtr set_statement(SourcePos at) {
    NodePtr n = node(NodeKind::Set, at);
    n->a = sequence(false);
    if (is(Tok::Equals)) {
      ++i_;
      n->b = sequence(false);
    } else {
      expect(Tok::CloseStatement, "'%}'");
      n->body = block_until({"endset"}, "endset");
      i_ += 2;
    }
    expect(Tok::CloseStatement, "'%}'");
    return n;
  }

  NodePtr if_statement(SourcePos at) {
    NodePtr n = node(NodeKind::If, at);
    n->a = expression();
    expect(Tok::CloseStatement, "'%}'");
    n->body = block_until({"elif", "else", "endif"}, "endif");
    if (is_statement({"elif"})) {
      i_ += 2;
      n->orelse.push_back(if_statement(here()));
    } else if (is_statement({"else"})) {
      i_ += 2;
      expect(Tok::CloseStatement, "'%}'");
      n->orelse = block_until({"endif"}, "endif");
    }
    return n;
  }

  NodePtr for_statement(SourcePos at) {
    NodePtr n = node(NodeKind::For, at);
    n->a = sequence(true);
    if (n->a->kind != NodeKind::Name && n->a->kind != NodeKind::Tuple) fail("expected a name or names to loop with");
    expect_name("in");
    NodePtr iterable = expression();
    if (iterable->kind == NodeKind::Select) {  // for x in xs if cond
      n->b = std::move(iterable->a);
      n->c = std::move(iterable->b);
    } else {
      n->b = std::move(iterable);
    }
    expect(Tok::CloseStatement, "'%}'");
    n->body = block_until({"endfor", "else"}, "endfor");
    if (is_statement({"else"})) {
      i_ += 2;
      expect(Tok::CloseStatement, "'%}'");
      n->orelse = block_until({"endfor"}, "endfor");
    }
    return n;
  }

  NodePtr macro_statement(SourcePos at) {
    NodePtr n = node(NodeKind::Macro, at);
    NodePtr name = primary();
    if (name->kind != NodeKind::Name) fail("expected the macro's name");
    n->name = name->name;
    n->args = arguments(true);
    expect(Tok::CloseStatement, "'%}'");
    n->body = block_until({"endmacro"}, "endmacro");
    return n;
  }

  NodePtr call_block(SourcePos at) {
    NodePtr n = node(NodeKind::CallBlock, at);
    if (is(Tok::OpenParen)) n->args = arguments(true);
    NodePtr callee = primary();
    if (callee->kind != NodeKind::Name) fail("expected a macro name after 'call'");
    NodePtr call = node(NodeKind::Call, callee->at);
    call->args = arguments(false);
    call->a = std::move(callee);
    n->a = std::move(call);
    expect(Tok::CloseStatement, "'%}'");
    n->body = block_until({"endcall"}, "endcall");
    expect_end_tag("endcall");
    return n;
  }

  NodePtr filter_block(SourcePos at) {
    NodePtr n = node(NodeKind::FilterBlock, at);
    n->a = primary();
    if (n->a->kind == NodeKind::Name && is(Tok::OpenParen)) n->a = call(std::move(n->a));
    expect(Tok::CloseStatement, "'%}'");
    n->body = block_until({"endfilter"}, "endfilter");
    expect_end_tag("endfilter");
    return n;
  }

  // --- expressions ----------------------------------------------------------
  NodePtr sequence(bool primary_only) {
    SourcePos at = here();
    std::vector<NodePtr> items;
    items.push_back(primary_only ? primary() : expression());
    bool tuple = is(Tok::Comma);
    while (tuple) {
      ++i_;
      items.push_back(primary_only ? primary() : expression());
      if (!is(Tok::Comma)) break;
    }
    if (!tuple) return std::move(items[0]);
    NodePtr n = node(NodeKind::Tuple, at);
    n->args = std::move(items);
    return n;
  }

  // Nesting is bounded so that a hostile template ("((((...") is an error,
  // not a stack overflow.
  struct Nested {
    Parser& p;
    explicit Nested(Parser& parser) : p(parser) {
      if (++p.depth_ > kMaxDepth) p.fail("nested too deeply");
    }
    ~Nested() { --p.depth_; }
  };
  NodePtr expression() {
    Nested guard(*this);
    return if_expression();
  }

  NodePtr if_expression() {
    NodePtr value = or_expression();
    if (!is_name("if")) return value;
    SourcePos at = here();
    ++i_;
    NodePtr test = or_expression();
    if (!is_name("else")) {
      NodePtr n = node(NodeKind::Select, at);
      n->a = std::move(value);
      n->b = std::move(test);
      return n;
    }
    ++i_;
    NodePtr n = node(NodeKind::Ternary, at);
    n->a = std::move(value);
    n->b = std::move(test);
    n->c = if_expression();
    return n;
  }

  NodePtr binary(std::string op, NodePtr l, NodePtr r, SourcePos at) {
    NodePtr n = node(NodeKind::Binary, at);
    n->name = std::move(op);
    n->a = std::move(l);
    n->b = std::move(r);
    return n;
  }

  NodePtr or_expression() {
    NodePtr l = and_expression();
    while (is_name("or")) {
      SourcePos at = here();
      ++i_;
      l = binary("or", std::move(l), and_expression(), at);
    }
    return l;
  }

  NodePtr and_expression() {
    NodePtr l = not_expression();
    while (is_name("and")) {
      SourcePos at = here();
      ++i_;
      l = binary("and", std::move(l), not_expression(), at);
    }
    return l;
  }

  NodePtr not_expression() {
    if (!is_name("not")) return comparison();
    Nested guard(*this);
    NodePtr n = node(NodeKind::Unary);
    n->name = "not";
    ++i_;
    n->a = not_expression();
    return n;
  }

  NodePtr comparison() {
    NodePtr l = additive();
    for (;;) {
      SourcePos at = here();
      std::string op;
      if (is_name("not") && is_name("in", 1)) {
        op = "not in";
        i_ += 2;
      } else if (is_name("in") || is(Tok::Comparison)) {
        op = t_[i_++].value;
      } else {
        return l;
      }
      l = binary(op, std::move(l), additive(), at);
    }
  }

  NodePtr additive() {
    NodePtr l = multiplicative();
    while (is(Tok::Additive)) {
      SourcePos at = here();
      std::string op = t_[i_++].value;
      l = binary(op, std::move(l), multiplicative(), at);
    }
    return l;
  }

  NodePtr multiplicative() {
    NodePtr l = power();
    while (is(Tok::Multiplicative)) {
      SourcePos at = here();
      std::string op = t_[i_++].value;
      l = binary(op, std::move(l), power(), at);
    }
    return l;
  }

  NodePtr power() {  // left-associative, as Jinja's `**` is
    NodePtr l = test();
    while (is(Tok::Power)) {
      SourcePos at = here();
      ++i_;
      l = binary("**", std::move(l), test(), at);
    }
    return l;
  }

  NodePtr test() {
    NodePtr operand = filter();
    while (is_name("is")) {
      NodePtr n = node(NodeKind::Test);
      ++i_;
      n->negate = is_name("not");
      i_ += n->negate;
      NodePtr name = primary();
      if (name->kind != NodeKind::Name) fail("expected the name of a test after 'is'");
      n->name = name->name;
      n->a = std::move(operand);
      operand = std::move(n);
    }
    return operand;
  }

  NodePtr filter() {
    NodePtr operand = unary_sign();
    while (is(Tok::Pipe)) {
      NodePtr n = node(NodeKind::Filter);
      ++i_;
      NodePtr f = primary();
      if (f->kind != NodeKind::Name) fail("expected the name of a filter after '|'");
      if (is(Tok::OpenParen)) f = call(std::move(f));
      n->a = std::move(operand);
      n->b = std::move(f);
      operand = std::move(n);
    }
    return operand;
  }

  NodePtr unary_sign() {
    if ((is(Tok::Unary) || is(Tok::Additive)) && (t_[i_].value == "-" || t_[i_].value == "+")) {
      Nested guard(*this);
      NodePtr n = node(NodeKind::Unary);
      n->name = t_[i_++].value;
      n->a = unary_sign();
      return n;
    }
    NodePtr m = member(primary());
    return is(Tok::OpenParen) ? call(std::move(m)) : std::move(m);
  }

  NodePtr call(NodePtr callee) {
    Nested guard(*this);
    NodePtr n = node(NodeKind::Call, callee->at);
    n->args = arguments(false);
    n->a = std::move(callee);
    NodePtr m = member(std::move(n));
    return is(Tok::OpenParen) ? call(std::move(m)) : std::move(m);
  }

  // `(a, b=1)`: call arguments, or a macro's parameters.
  std::vector<NodePtr> arguments(bool parameters) {
    expect(Tok::OpenParen, "'('");
    std::vector<NodePtr> args;
    std::set<std::string> names;
    bool keyword_seen = false, spread_seen = false;
    while (!is(Tok::CloseParen)) {
      if (i_ >= t_.size()) fail("missing ')'");
      bool kw_spread = is(Tok::Power), spread = is(Tok::Multiplicative) && t_[i_].value == "*";
      if (parameters && (kw_spread || spread)) fail("argument unpacking is not allowed in parameter declarations");
      if (kw_spread) {
        NodePtr n = node(NodeKind::KeywordSpread);
        ++i_;
        n->a = expression();
        args.push_back(std::move(n));
        if (is(Tok::Comma)) ++i_;
        if (!is(Tok::CloseParen)) fail("'**' must be applied to the final argument");
        break;
      }
      NodePtr arg;
      if (spread) {
        if (spread_seen) fail("only one '*' argument unpacking is allowed");
        spread_seen = true;
        arg = node(NodeKind::Spread);
        ++i_;
        arg->a = expression();
      } else {
        arg = argument(parameters, names);
        if (arg->kind == NodeKind::Keyword) keyword_seen = true;
        else if (keyword_seen) fail(parameters ? "non-default argument follows default argument" : "positional argument follows keyword argument");
        else if (spread_seen) fail("positional argument follows '*' argument unpacking");
      }
      args.push_back(std::move(arg));
      if (is(Tok::Comma)) ++i_;
    }
    expect(Tok::CloseParen, "')'");
    return args;
  }

  NodePtr argument(bool parameters, std::set<std::string>& names) {
    NodePtr arg = expression();
    if (is(Tok::Equals)) {
      ++i_;
      if (arg->kind != NodeKind::Name) fail(parameters ? "expected a parameter name" : "expected a keyword argument name");
      NodePtr kw = node(NodeKind::Keyword, arg->at);
      kw->name = arg->name;
      kw->a = expression();
      arg = std::move(kw);
    }
    if (parameters) {
      if (arg->kind != NodeKind::Name && arg->kind != NodeKind::Keyword) fail("expected a parameter name");
      if (!names.insert(arg->name).second) fail("duplicate parameter name '" + arg->name + "'");
    }
    return arg;
  }

  // `[expr]`, or a slice `[start:stop:step]`.
  NodePtr subscript() {
    std::vector<NodePtr> parts;
    bool slice = false;
    SourcePos at = here();
    while (!is(Tok::CloseBracket)) {
      if (i_ >= t_.size()) fail("missing ']'");
      if (is(Tok::Colon)) {
        parts.push_back(nullptr);
        ++i_;
        slice = true;
      } else {
        parts.push_back(expression());
        if (is(Tok::Colon)) {
          ++i_;
          slice = true;
        }
      }
    }
    if (parts.empty()) fail("expected an index or a slice in '[]'");
    if (!slice) return std::move(parts[0]);
    if (parts.size() > 3) fail("a slice has at most three parts");
    NodePtr n = node(NodeKind::Slice, at);
    parts.resize(3);
    n->a = std::move(parts[0]);
    n->b = std::move(parts[1]);
    n->c = std::move(parts[2]);
    return n;
  }

  NodePtr member(NodePtr object) {
    while (is(Tok::Dot) || is(Tok::OpenBracket)) {
      NodePtr n = node(NodeKind::Member);
      n->computed = is(Tok::OpenBracket);
      ++i_;
      if (n->computed) {
        n->b = subscript();
        expect(Tok::CloseBracket, "']'");
      } else {
        n->b = primary();
        if (n->b->kind != NodeKind::Name && n->b->kind != NodeKind::Integer) fail("expected a name after '.'");
      }
      n->a = std::move(object);
      object = std::move(n);
    }
    return object;
  }

  NodePtr primary() {
    if (i_ >= t_.size()) fail("unexpected end of the template");
    const Token& tok = t_[i_++];
    switch (tok.type) {
      case Tok::Number: {
        NodePtr n = node(tok.value.find('.') == std::string::npos ? NodeKind::Integer : NodeKind::Float, tok.at);
        n->number = std::strtod(tok.value.c_str(), nullptr);
        return n;
      }
      case Tok::String: {
        NodePtr n = node(NodeKind::String, tok.at);
        n->name = tok.value;
        while (is(Tok::String)) n->name += t_[i_++].value;  // 'a' 'b' is 'ab'
        return n;
      }
      case Tok::Name: {
        NodePtr n = node(NodeKind::Name, tok.at);
        n->name = tok.value;
        return n;
      }
      case Tok::OpenParen: {
        NodePtr e = sequence(false);
        expect(Tok::CloseParen, "')'");
        return e;
      }
      case Tok::OpenBracket: return collection(NodeKind::List, Tok::CloseBracket, tok.at);
      case Tok::OpenBrace: return collection(NodeKind::Dict, Tok::CloseBrace, tok.at);
      default: --i_; fail("unexpected '" + tok.value + "'");
    }
  }

  NodePtr collection(NodeKind kind, Tok close, SourcePos at) {
    NodePtr n = node(kind, at);
    while (!is(close)) {
      if (i_ >= t_.size()) fail(kind == NodeKind::List ? "missing ']'" : "missing '}'");
      n->args.push_back(expression());
      if (kind == NodeKind::Dict) {
        expect(Tok::Colon, "':' between a key and its value");
        n->args.push_back(expression());
      }
      if (is(Tok::Comma)) ++i_;
    }
    ++i_;
    return n;
  }
};

}  // namespace

Program parse(const std::vector<Token>& tokens) { return Parser(tokens).program(); }

}  // namespace reach::run::jinja
