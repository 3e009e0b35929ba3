#include "chat/jinja_lexer.h"

#include <cstdint>
#include <cctype>
#include <cstring>
#include <utility>

#include "tokenizer/unicode.h"

namespace reach::run::jinja {
namespace {

// The source after the whitespace rules, each byte remembering its offset
// in the original so that errors point at what the user wrote.
struct Source {
  std::string text;
  std::vector<uint32_t> origin;
  void push(char c, uint32_t from) {
    text.push_back(c);
    origin.push_back(from);
  }
  void pop() {
    text.pop_back();
    origin.pop_back();
  }
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool starts(const std::string& s, size_t at, const char* what) { return s.compare(at, std::strlen(what), what) == 0; }

// lstrip_blocks: spaces and tabs that start a line before `{%`, `{#`
// (and, as the reference's pattern has it, `{-`) are dropped.
Source lstrip_blocks(const Source& in) {
  Source out;
  const std::string& s = in.text;
  for (size_t i = 0; i < s.size();) {
    if (i == 0 || s[i - 1] == '\n' || s[i - 1] == '\r') {
      size_t j = i;
      while (j < s.size() && (s[j] == ' ' || s[j] == '\t')) ++j;
      if (j + 1 < s.size() && s[j] == '{' && std::strchr("#%-", s[j + 1])) i = j;
    }
    for (; i < s.size(); ++i) {
      out.push(s[i], in.origin[i]);
      if (s[i] == '\n' || s[i] == '\r') {
        ++i;
        break;
      }
    }
  }
  return out;
}

// trim_blocks: the newline right after `%}`, `#}` or `-}` is dropped.
Source trim_blocks(const Source& in) {
  Source out;
  const std::string& s = in.text;
  for (size_t i = 0; i < s.size(); ++i) {
    out.push(s[i], in.origin[i]);
    if (std::strchr("#%-", s[i]) && i + 2 < s.size() && s[i + 1] == '}' && s[i + 2] == '\n') {
      out.push('}', in.origin[i + 1]);
      i += 2;
    }
  }
  return out;
}

// transformers' `{% generation %}` / `{% endgeneration %}` marks are not
// Jinja: they are removed, with the whitespace their `-` asks to remove.
size_t generation_tag(const std::string& s, size_t at, bool& lstrip, bool& rstrip) {
  if (!starts(s, at, "{%")) return 0;
  size_t i = at + 2;
  lstrip = i < s.size() && s[i] == '-';
  i += lstrip;
  while (i < s.size() && is_space(s[i])) ++i;
  if (starts(s, i, "end")) i += 3;
  if (!starts(s, i, "generation")) return 0;
  i += 10;
  while (i < s.size() && is_space(s[i])) ++i;
  rstrip = i < s.size() && s[i] == '-';
  i += rstrip;
  return starts(s, i, "%}") ? i + 2 - at : 0;
}

Source drop_generation_tags(const Source& in) {
  Source out;
  const std::string& s = in.text;
  size_t run_start = 0;  // where the whitespace just before this point began in `out`
  for (size_t i = 0; i < s.size();) {
    bool lstrip = false, rstrip = false;
    if (size_t n = generation_tag(s, i, lstrip, rstrip)) {
      if (lstrip)
        while (out.text.size() > run_start) out.pop();
      i += n;
      for (; i < s.size() && is_space(s[i]); ++i)
        if (!rstrip) out.push(s[i], in.origin[i]);
      run_start = out.text.size();
      continue;
    }
    if (!is_space(s[i])) run_start = out.text.size() + 1;
    out.push(s[i], in.origin[i]);
    ++i;
  }
  return out;
}

Source preprocess(std::string_view template_text) {
  Source src;
  for (size_t i = 0; i < template_text.size(); ++i) src.push(template_text[i], uint32_t(i));
  if (!src.text.empty() && src.text.back() == '\n') src.pop();
  return drop_generation_tags(trim_blocks(lstrip_blocks(src)));
}

struct Lexer {
  std::string_view original;
  Source src;
  size_t at = 0;
  int curly_depth = 0;
  std::vector<Token> tokens;

  const std::string& s() const { return src.text; }
  char peek(size_t ahead = 0) const { return at + ahead < s().size() ? s()[at + ahead] : '\0'; }
  bool next_is(const char* what) const { return starts(s(), at, what); }

  SourcePos pos(size_t i) const {
    uint32_t offset = i < src.origin.size() ? src.origin[i] : uint32_t(original.size());
    SourcePos p{1, 1};
    for (uint32_t k = 0; k < offset && k < original.size(); ++k) {
      if (original[k] == '\n') {
        ++p.line;
        p.column = 1;
      } else {
        ++p.column;
      }
    }
    return p;
  }
  [[noreturn]] void fail(const std::string& what, size_t i) const { throw TemplateError(what, pos(i)); }
  void emit(Tok type, std::string value, size_t from) { tokens.push_back({type, std::move(value), pos(from)}); }
  Tok last() const { return tokens.empty() ? Tok::Text : tokens.back().type; }

  // JavaScript's trimEnd / the reference's skip of \s (Unicode spaces too).
  void strip_trailing_text() {
    if (tokens.empty() || tokens.back().type != Tok::Text) return;
    std::string& t = tokens.back().value;
    auto cps = unicode::decode_utf8(t);
    size_t keep = t.size();
    for (auto it = cps.rbegin(); it != cps.rend() && unicode::is_whitespace(it->cp); ++it) keep = it->offset;
    t.resize(keep);
    if (t.empty()) tokens.pop_back();
  }
  void skip_leading_space() {
    while (at < s().size()) {
      size_t n = unicode::utf8_sequence_length(static_cast<unsigned char>(s()[at]));
      auto cps = unicode::decode_utf8(std::string_view(s()).substr(at, n));
      if (cps.empty() || !unicode::is_whitespace(cps[0].cp)) break;
      at += cps[0].length;
    }
  }

  void run() {
    while (at < s().size()) {
      Tok prev = last();
      bool after_tag = tokens.empty() || prev == Tok::CloseStatement || prev == Tok::CloseExpression || prev == Tok::Comment;
      if (after_tag && text()) continue;
      if (next_is("{#")) {
        comment();
        continue;
      }
      if (next_is("{%-") || next_is("{{-")) {
        strip_trailing_text();
        bool statement = peek(1) == '%';
        emit(statement ? Tok::OpenStatement : Tok::OpenExpression, statement ? "{%" : "{{", at);
        if (!statement) curly_depth = 0;
        at += 3;
        continue;
      }
      while (at < s().size() && is_space(s()[at])) ++at;
      if (at >= s().size()) break;
      if (next_is("-%}") || next_is("-}}")) {
        bool statement = peek(1) == '%';
        emit(statement ? Tok::CloseStatement : Tok::CloseExpression, statement ? "%}" : "}}", at);
        at += 3;
        skip_leading_space();
        continue;
      }
      inside_tag();
    }
  }

  bool text() {
    size_t from = at;
    while (at < s().size() && !(s()[at] == '{' && (peek(1) == '%' || peek(1) == '{' || peek(1) == '#'))) ++at;
    if (at == from) return false;
    emit(Tok::Text, s().substr(from, at - from), from);
    return true;
  }

  void comment() {
    size_t from = at;
    at += 2;
    bool strip_before = peek() == '-';
    at += strip_before;
    std::string body;
    while (!(peek() == '#' && peek(1) == '}')) {
      if (at + 2 >= s().size()) fail("Missing end of comment tag", from);
      body += s()[at++];
    }
    bool strip_after = !body.empty() && body.back() == '-';
    if (strip_after) body.pop_back();
    if (strip_before) strip_trailing_text();
    emit(Tok::Comment, body, from);
    at += 2;
    if (strip_after) skip_leading_space();
  }

  void inside_tag() {
    char c = peek();
    if ((c == '-' || c == '+') && unary_sign()) return;
    if (operator_token()) return;
    if (c == '\'' || c == '"') return string_literal(c);
    if (c >= '0' && c <= '9') return number(std::string());
    if (is_word(c)) {
      size_t from = at;
      while (at < s().size() && is_word(s()[at])) ++at;
      return emit(Tok::Name, s().substr(from, at - from), from);
    }
    fail(std::string("Unexpected character: ") + c, at);
  }

  static bool is_word(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
  static bool is_digit(char c) { return c >= '0' && c <= '9'; }

  // `-` or `+` after an operand is binary; anywhere else it is a sign,
  // joined to the number it precedes.
  bool unary_sign() {
    Tok prev = last();
    if (tokens.empty() || prev == Tok::Text) fail(std::string("Unexpected character: ") + peek(), at);
    if (prev == Tok::Name || prev == Tok::Number || prev == Tok::String || prev == Tok::CloseParen ||
        prev == Tok::CloseBracket)
      return false;
    char sign = s()[at++];
    if (is_digit(peek())) return number(std::string(1, sign)), true;
    emit(Tok::Unary, std::string(1, sign), at - 1);
    return true;
  }

  // Digits, and a fraction unless the number follows a `.` (`x.0.1` is
  // two lookups, not a float).
  void number(std::string sign) {
    size_t from = at - sign.size();
    std::string text = sign;
    bool may_have_fraction = !sign.empty() || last() != Tok::Dot;
    while (is_digit(peek())) text += s()[at++];
    if (may_have_fraction && peek() == '.' && is_digit(peek(1))) {
      text += s()[at++];
      while (is_digit(peek())) text += s()[at++];
    }
    emit(Tok::Number, text, from);
  }

  bool operator_token() {
    static const std::pair<const char*, Tok> kTable[] = {
        {"{%", Tok::OpenStatement}, {"%}", Tok::CloseStatement}, {"{{", Tok::OpenExpression},
        {"}}", Tok::CloseExpression}, {"(", Tok::OpenParen}, {")", Tok::CloseParen}, {"{", Tok::OpenBrace},
        {"}", Tok::CloseBrace}, {"[", Tok::OpenBracket}, {"]", Tok::CloseBracket}, {",", Tok::Comma},
        {".", Tok::Dot}, {":", Tok::Colon}, {"|", Tok::Pipe}, {"<=", Tok::Comparison}, {">=", Tok::Comparison},
        {"==", Tok::Comparison}, {"!=", Tok::Comparison}, {"<", Tok::Comparison}, {">", Tok::Comparison},
        {"+", Tok::Additive}, {"-", Tok::Additive}, {"~", Tok::Additive}, {"**", Tok::Power},
        {"*", Tok::Multiplicative}, {"//", Tok::Multiplicative}, {"/", Tok::Multiplicative},
        {"%", Tok::Multiplicative}, {"=", Tok::Equals}};
    for (const auto& [seq, type] : kTable) {
      if (type == Tok::CloseExpression && curly_depth > 0) continue;  // `}}` closing a dict literal
      if (!next_is(seq)) continue;
      emit(type, seq, at);
      if (type == Tok::OpenExpression) curly_depth = 0;
      if (type == Tok::OpenBrace) ++curly_depth;
      if (type == Tok::CloseBrace) --curly_depth;
      at += std::strlen(seq);
      return true;
    }
    return false;
  }

  void string_literal(char quote) {
    size_t from = at++;
    std::string value;
    while (peek() != quote) {
      if (at >= s().size()) fail("Unexpected end of input in a string literal", from);
      if (peek() != '\\') {
        value += s()[at++];
        continue;
      }
      ++at;
      if (at >= s().size()) fail("Unexpected end of input", from);
      escape(value);
    }
    ++at;
    emit(Tok::String, value, from);
  }

  void escape(std::string& value) {
    char e = s()[at++];
    if (e == 'x' || e == 'u') {
      size_t n = e == 'x' ? 2 : 4;
      std::string hex = s().substr(at, n);
      if (hex.size() != n || hex.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)
        fail("Invalid hexadecimal escape sequence: \\" + std::string(1, e) + hex, at - 2);
      unicode::append_utf8(value, uint32_t(std::stoul(hex, nullptr, 16)));
      at += n;
      return;
    }
    static const std::pair<char, char> kEscapes[] = {{'n', '\n'}, {'t', '\t'}, {'r', '\r'}, {'b', '\b'}, {'f', '\f'},
                                                     {'v', '\v'}, {'\'', '\''}, {'"', '"'}, {'\\', '\\'}};
    for (const auto& [k, v] : kEscapes)
      if (k == e) return value.push_back(v);
    fail(std::string("Unexpected escaped character: ") + e, at - 2);
  }
};

}  // namespace

std::vector<Token> tokenize(std::string_view source) {
  Lexer lexer{source, preprocess(source)};
  lexer.run();
  return std::move(lexer.tokens);
}

}  // namespace reach::run::jinja
