// What the preprocessor decides before the AST exists, recorded for the
// project's files: which file each #include resolved to (fix drops an
// include only when the file it resolved to goes, never by name), and the
// names it skipped (#if branches not taken, macro arguments a definition
// drops, like assert's under NDEBUG): code in another configuration may use
// them, so they are not called dead.
#pragma once

#include "extract/Summary.h"

#include <memory>
#include <string>

namespace clang { class Preprocessor; }

namespace reach {

/// Adds the recorder to PP; it writes into Out.Includes and
/// Out.InactiveUses. Root: absolute, no trailing slash.
void recordPreprocessor(clang::Preprocessor &PP, std::string Root, TUSummary &Out);

} // namespace reach
