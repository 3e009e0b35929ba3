#pragma once
// The template's text cut into tokens, as @huggingface/jinja's lexer does it
// (which is how Hugging Face's transformers renders chat templates): first
// the whitespace rules transformers sets (trim_blocks, lstrip_blocks, one
// trailing newline dropped, the `generation` tags removed), then text
// between tags, and inside tags operators, literals and names. `{%-` and
// `-%}` strip the whitespace before and after a tag.
#include <string>
#include <string_view>
#include <vector>

#include "chat/jinja_error.h"

namespace reach::run::jinja {

enum class Tok {
  Text, Number, String, Name, Equals, OpenParen, CloseParen, OpenStatement, CloseStatement, OpenExpression,
  CloseExpression, OpenBracket, CloseBracket, OpenBrace, CloseBrace, Comma, Dot, Colon, Pipe, Additive,
  Multiplicative, Power, Comparison, Unary, Comment,
};

struct Token {
  Tok type;
  std::string value;  // the text; a string literal unescaped
  SourcePos at;
};

// Throws TemplateError naming the line and column of the original source.
std::vector<Token> tokenize(std::string_view source);

}  // namespace reach::run::jinja
