// When a round of deletions breaks the build, which of them to keep: the
// round's units (a definition with its declarations, a class with its
// members, a whole override family, an orphan file) are tried per file
// first, then one by one, halving each failing group (delta debugging), and
// each is accepted only if the build still compiles with everything
// accepted before it. Pure: compiling is the caller's callback.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace reach {

struct BisectResult {
  std::vector<size_t> Accepted;                          // units that compile together
  std::vector<std::pair<size_t, std::string>> Rejected;  // a unit and the first error it causes
  unsigned Checks = 0;                                   // compilations run
};

/// Compiles with exactly these units applied: "" when it compiles, else
/// the compiler's first error.
using CompileUnits = std::function<std::string(const std::vector<size_t> &Units)>;

/// ByFile: the units grouped by the file they edit, every unit in one
/// group. FirstError: what the whole round failed with (it is not compiled
/// again).
BisectResult bisectUnits(const std::vector<std::vector<size_t>> &ByFile, const std::string &FirstError,
                         const CompileUnits &Compile);

} // namespace reach
