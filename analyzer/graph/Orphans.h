// Source files under the root that no compile command builds and no built
// file includes, and which of them the build files name all the same.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

namespace reach {

bool isSourceFile(const std::string &Path);

/// The files under Root (relative) that orphans are looked for in, found
/// in one walk: hidden folders, node_modules, SkipDirs (the build folders)
/// and CMake build trees are skipped.
struct SourceTree {
  std::vector<std::string> Sources;    // isSourceFile
  std::vector<std::string> BuildFiles; // CMakeLists.txt, *.cmake, Makefile, meson.build, BUILD, ...
};
SourceTree walkSourceTree(const std::string &Root, const std::vector<std::string> &SkipDirs);

/// The tree's source files not in Built and not ignored by git, sorted.
std::vector<std::string> findOrphans(const std::string &Root, const SourceTree &Tree,
                                     const std::set<std::string> &Built);

/// Of Files (root-relative), those a build file of the tree names (CMake,
/// Make, Meson, Bazel, autotools), by path or by a file pattern under the
/// build file's folder (`file(GLOB ...)`, `$(wildcard ...)`, `glob(...)`):
/// built under a condition this build does not meet, or a generator's
/// input. File -> "named by CMakeLists.txt:12", or "named by
/// cuda/CMakeLists.txt:3 (pattern *.cu)". A `${VAR}` in a path is a
/// wildcard (`src/${KERNEL}.c` in a loop).
std::map<std::string, std::string> namedByBuildFiles(const std::string &Root, const SourceTree &Tree,
                                                     const std::vector<std::string> &Files);

/// Adds to Unbuilt the Orphans that its files #include, transitively (a
/// header of a backend another configuration builds): File -> "included by
/// cuda/common.cuh:3, which another configuration builds". The match is by
/// the included name's trailing path, so it errs towards keeping.
void addIncludedByUnbuilt(const std::string &Root, const std::vector<std::string> &Orphans,
                          std::map<std::string, std::string> &Unbuilt);

} // namespace reach
