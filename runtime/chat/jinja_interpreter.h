#pragma once
// Renders a parsed template: statements print, expressions evaluate, with
// the reference's scoping (a `for` body has its own scope; `set` inside it
// is not seen after the loop unless through a namespace; a macro's body
// runs in a scope of its own over the caller's).
#include <string>
#include <unordered_map>

#include "chat/jinja_ast.h"
#include "chat/jinja_value.h"

namespace reach::run::jinja {

class Scope {
 public:
  explicit Scope(Scope* parent = nullptr) : parent_(parent) {}
  Value lookup(const std::string& name) const;  // Undefined when no scope has it
  void set(const std::string& name, Value value) { vars_[name] = std::move(value); }

 private:
  Scope* parent_;
  std::unordered_map<std::string, Value> vars_;
};

struct RenderLimits {
  size_t max_output_bytes = 64u << 20;  // a template that writes more is an error, not an OOM
  int max_call_depth = 64;              // macros calling macros
};

// Throws TemplateError (with the line and column of the failing construct).
std::string render(const Program& program, Scope& globals, const RenderLimits& limits = {});

}  // namespace reach::run::jinja
