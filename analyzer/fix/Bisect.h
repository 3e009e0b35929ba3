// When a round of deletions breaks the build, which of them to keep. The
// round's units (a definition with its declarations, a class with its
// members, a whole override family, an orphan file) are first blamed by the
// errors: a unit whose name an error quotes ('helper' in "use of undeclared
// identifier 'helper'", "x.h" in "'x.h' file not found") is rejected, and
// the rest compiled again, so a round with a few bad deletions costs a
// compilation or two. What the errors do not name is bisected: per file
// first, then one by one, halving each failing group (delta debugging),
// each part accepted only if the build still compiles with everything
// accepted before it; every failing part is first blamed by its own
// errors in the same way. A unit and the units of the round that use it
// are never split by halving: apart, the user would still need what went.
// Pure: compiling is the caller's callback.
#pragma once

#include "extract/Summary.h"

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace reach {

struct BisectResult {
  std::vector<size_t> Accepted;                          // units that compile together
  std::vector<std::pair<size_t, std::string>> Rejected;  // a unit and the first error it causes
  unsigned Checks = 0;                                   // compilations run
  unsigned Blamed = 0;                                   // of Rejected, found by the names in errors
};

/// What the errors can name a unit by: the plain names of its definitions
/// ("helper" for ns::Util::helper) and, for an orphan file, its path.
struct UnitNames {
  std::vector<std::string> Identifiers;
  std::string File; // root-relative, or ""
};

/// Adds what errors call a definition of `Symbol` ("ns::Util<T>::helper")
/// by: its plain name ("helper"); for an operator also its scope's
/// ("value_t" for "jinja::value_t::operator!=", "jinja" for a free
/// "jinja::operator=="), since an error about a missing operator quotes the
/// operands' types ("invalid operands to binary expression ('jinja::value_t'
/// and ...)"), never the operator.
void addNamesOf(const std::string &Symbol, UnitNames &Names);

/// Compiles with exactly these units applied: no errors when it compiles.
using CompileUnits = std::function<std::vector<CompileError>(const std::vector<size_t> &Units)>;

/// Per unit, the units of the round its code uses (calls, names as a type):
/// deleting a used unit while its user stays cannot compile.
using UnitUses = std::vector<std::vector<size_t>>;

/// ByFile: the units grouped by the file they edit, every unit in one
/// group. Names and Uses: per unit. Failure: what the whole round failed
/// with (it is not compiled again). A unit is tried together with the units
/// that use it, so a dead function and its dead caller are not split.
BisectResult keepWhatCompiles(const std::vector<std::vector<size_t>> &ByFile, const std::vector<UnitNames> &Names,
                              const UnitUses &Uses, const std::vector<CompileError> &Failure,
                              const CompileUnits &Compile);

/// The units among Candidates that an error quotes by name, each with the
/// first error that quotes it.
std::vector<std::pair<size_t, std::string>> blameByName(const std::vector<size_t> &Candidates,
                                                        const std::vector<UnitNames> &Names,
                                                        const std::vector<CompileError> &Errors);

} // namespace reach
