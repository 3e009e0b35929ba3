// --edit-cmake: drops removed source files from plain add_library /
// add_executable source lists. Lists built with variables, generator
// expressions or globs are left alone (and the file is named for the user).
#pragma once

#include "fix/Edits.h"

#include <set>
#include <string>
#include <vector>

namespace reach {

/// Text of a CMakeLists.txt in folder Dir (root-relative, "" for the root)
/// with every source entry naming a file in Removed taken out.
std::string removeSources(const std::string &Text, const std::string &Dir,
                          const std::set<std::string> &Removed);

/// Changes to every CMakeLists.txt of the project under Root that names a
/// removed file: those the orphan search reads (walkSourceTree: hidden
/// folders, node_modules, SkipDir and other CMake build trees excluded).
std::vector<FileChange> editCMakeLists(const std::string &Root, const std::string &SkipDir,
                                       const std::set<std::string> &Removed);

} // namespace reach
