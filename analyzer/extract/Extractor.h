// The per-translation-unit AST pass: walks one TU and fills a TUSummary.
#pragma once

#include "extract/Summary.h"

#include <memory>
#include <string>

namespace clang { class ASTConsumer; class CompilerInstance; }

namespace reach {

/// Paths are classified against Root (absolute, no trailing slash): a
/// declaration is a project definition when its file lies under Root and is
/// not a system header.
std::unique_ptr<clang::ASTConsumer> makeExtractor(clang::CompilerInstance &CI,
                                                  std::string Root,
                                                  TUSummary &Out);

} // namespace reach
