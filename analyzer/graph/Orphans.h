// Source files under the root that no compile command builds and no built
// file includes.
#pragma once

#include <set>
#include <string>
#include <vector>

namespace reach {

bool isSourceFile(const std::string &Path);

/// Walks Root (skipping hidden folders, SkipDirs such as the build directory,
/// and paths git ignores) and returns the relative paths of source files
/// not in Built, sorted.
std::vector<std::string> findOrphans(const std::string &Root,
                                     const std::vector<std::string> &SkipDirs,
                                     const std::set<std::string> &Built);

} // namespace reach
