#pragma once
// Every failure of a template, parsing or rendering, as one exception type
// that says where (line and column of the template source) and what.
#include <cstdint>
#include <stdexcept>
#include <string>

namespace reach::run::jinja {

struct SourcePos {
  uint32_t line = 0, column = 0;  // 1-based; 0: unknown
};

class TemplateError : public std::runtime_error {
 public:
  // `origin` (a file or template name) leads the message when given.
  TemplateError(const std::string& what, SourcePos at, const std::string& origin = "")
      : std::runtime_error((origin.empty() ? "" : origin + ": ") +
                           (at.line ? "line " + std::to_string(at.line) + ", column " + std::to_string(at.column) + ": "
                                    : "") +
                           what),
        message_(what), at_(at) {}
  SourcePos where() const { return at_; }
  const std::string& message() const { return message_; }  // without origin and place

 private:
  std::string message_;
  SourcePos at_;
};

}  // namespace reach::run::jinja
