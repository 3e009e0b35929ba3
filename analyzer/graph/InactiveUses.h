// What another configuration may use: the names the preprocessor skipped in
// each TU (#if branches not taken, arguments a macro drops, as assert's
// under NDEBUG), with the files that TU read. A dead definition named there,
// in a TU that sees one of its declarations, is not called dead; an orphan
// file an inactive `#include` names is not orphaned. Pure; refers to the
// TUs it is made from, which must outlive it.
#pragma once

#include "extract/Summary.h"

#include "llvm/ADT/StringMap.h"

#include <string>
#include <vector>

namespace reach {

class InactiveUses {
public:
  InactiveUses(const std::vector<TUSummary> &TUs, const std::string &Root);
  /// "used in an inactive configuration (src/x.cpp:12, #ifdef _WIN32)" when
  /// a TU that read one of DeclFiles skipped a use of N's name; else "".
  std::string whyUsed(const Node &N, const std::vector<std::string> &DeclFiles) const;
  /// "included in an inactive configuration (src/a.cpp:3, #ifdef _WIN32)"
  /// when a skipped `#include` names File (root-relative); else "".
  std::string whyIncluded(const std::string &File) const;

private:
  struct Use {
    const InactiveUse *Site;
    unsigned TU;
  };
  static std::string where(const Use &U);
  bool read(unsigned TU, llvm::StringRef File) const;
  llvm::StringMap<std::vector<Use>> ByName;
  std::vector<std::pair<llvm::StringRef, Use>> Includes; // spelled path, where
  /// Files by number, and per TU the sorted numbers of the project files
  /// it read: a set of strings per TU was most of building this on a
  /// large project.
  llvm::StringMap<unsigned> FileIds;
  std::vector<std::vector<unsigned>> Read;
};

} // namespace reach
