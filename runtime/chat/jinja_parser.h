#pragma once
// Tokens to a Program, with the reference parser's grammar and precedence
// (lowest first): `a if b else c`, or, and, not, comparisons and `in`,
// + - ~, * / // %, **, `is` tests, `|` filters, unary signs, calls and
// member access, literals.
#include <vector>

#include "chat/jinja_ast.h"
#include "chat/jinja_lexer.h"

namespace reach::run::jinja {

// Throws TemplateError at the token that does not fit.
Program parse(const std::vector<Token>& tokens);

}  // namespace reach::run::jinja
