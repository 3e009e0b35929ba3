// A unified diff (like `diff -u`, 3 lines of context) between two texts.
#pragma once

#include <string>

namespace reach {

/// Path is shown as a/Path and b/Path; a removed file diffs against /dev/null.
std::string unifiedDiff(const std::string &Path, const std::string &Before,
                        const std::string &After, bool Removed);

} // namespace reach
