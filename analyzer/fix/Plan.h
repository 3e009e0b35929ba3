// From an Analysis to the list of deletions `fix` would make: which dead
// definitions, declarations and files go, and which are skipped and why.
// Pure: reads no files; Edits.cpp turns the plan into text.
#pragma once

#include "graph/Analysis.h"

#include <functional>
#include <set>
#include <string>
#include <vector>

namespace reach {

struct FixOptions {
  std::vector<std::string> Only;    // globs over root-relative paths (--only)
  std::vector<std::string> Symbols; // qualified names or USRs (--symbol)
  bool IncludeTestOnly = false;     // also delete test-only code
  bool IncludeVendored = false;     // also delete in vendored code
  bool WithDeadUsers = false;       // --symbol also takes the dead code that references it
};

/// A byte range [Begin, End) of a root-relative file to delete.
struct Deletion {
  std::string File;
  unsigned Begin = 0, End = 0;
  std::string What; // "function 'g'", "declaration of 'g'"
  bool Variable = false; // a global: refused when declared together with others
  /// Deletions that go together or not at all: a definition and its
  /// declarations (the USR), a class and its members (the class's), a
  /// virtual's whole override family (one member's).
  std::string Unit;
  std::string Symbol; // the qualified name a `keep:` rule would use
};

struct Plan {
  std::vector<Deletion> Deletions;
  std::set<std::string> OrphanFiles; // built by nothing: removed whole
  std::set<std::string> DeadFiles;   // every definition goes: removed when nothing else remains
  std::vector<std::string> Skipped;  // "file:line: kept NAME: reason"
  std::vector<std::string> Remarks;  // a deletion that leaves a declaration behind, and why
  size_t VendoredLeft = 0;           // dead definitions in vendored code, not deleted
  /// (user, used): a unit (Deletion::Unit) whose code uses another unit of
  /// the plan. If a round breaks the build, bisection keeps them together.
  std::set<std::pair<std::string, std::string>> Uses;
};

/// Editable(File) says whether fix may touch a root-relative file at all
/// (not generated, not in the build directory); Gone lists files already
/// removed by an earlier round of the fixpoint.
Plan planDeletions(const Analysis &A, const FixOptions &O,
                   const std::function<bool(const std::string &)> &Editable,
                   const std::set<std::string> &Gone);

} // namespace reach
