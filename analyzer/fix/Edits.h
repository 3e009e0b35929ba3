// Turns a deletion plan into new file contents, one clang::tooling::
// Replacements set per file, cleaned up with the file's clang-format style.
#pragma once

#include "fix/Plan.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace reach {

struct FileChange {
  std::string Path; // root-relative
  std::string Before, After;
  bool Removed = false;
};

/// Current contents of a root-relative file (an earlier round's edit, or the
/// file on disk); nullopt when it cannot be read.
using SourceReader = std::function<std::optional<std::string>(const std::string &)>;

/// Ranges are widened to whole lines (a trailing ';', the `//` comment lines
/// right above, and a blank line left doubled go too), merged, and deleted
/// from the highest offset down. Dead files left with nothing but comments,
/// include guards and namespace braces are removed whole, orphans always;
/// the `#include` lines of Includes that resolved to a removed file go (the
/// caller passes those in files fix may edit).
std::vector<FileChange> buildChanges(const std::string &Root, const Plan &P,
                                     const SourceReader &Read,
                                     const std::vector<IncludeSite> &Includes,
                                     std::vector<std::string> &Notes);

/// True when Code declares nothing: only comments, blank lines, #include,
/// #pragma, include guards, namespace braces.
bool declaresNothing(const std::string &Code);

} // namespace reach
