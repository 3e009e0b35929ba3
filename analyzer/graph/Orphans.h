// Source files under the root that no compile command builds and no built
// file includes, and which of them the build files name all the same.
#pragma once

#include <map>
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

/// Of Files (root-relative), those a build file under Root names (CMake,
/// Make, Meson, Bazel, autotools), by path or by a file pattern under the
/// build file's folder (`file(GLOB ...)`, `$(wildcard ...)`, `glob(...)`):
/// built under a condition this build does not meet, or a generator's
/// input. File -> "named by CMakeLists.txt:12", or "named by
/// cuda/CMakeLists.txt:3 (pattern *.cu)". A `${VAR}` in a path is a
/// wildcard (`src/${KERNEL}.c` in a loop).
std::map<std::string, std::string> namedByBuildFiles(const std::string &Root,
                                                     const std::vector<std::string> &SkipDirs,
                                                     const std::vector<std::string> &Files);

/// Adds to Unbuilt the Orphans that its files #include, transitively (a
/// header of a backend another configuration builds): File -> "included by
/// cuda/common.cuh:3, which another configuration builds". The match is by
/// the included name's trailing path, so it errs towards keeping.
void addIncludedByUnbuilt(const std::string &Root, const std::vector<std::string> &Orphans,
                          std::map<std::string, std::string> &Unbuilt);

} // namespace reach
