// What another configuration may use: the names the preprocessor skipped in
// each TU (#if branches not taken, arguments a macro drops, as assert's
// under NDEBUG), with the files that TU read. A dead definition named there,
// in a TU that sees one of its declarations, is not called dead; an orphan
// file an inactive `#include` names is not orphaned. Pure.
#pragma once

#include "extract/Summary.h"

#include <set>
#include <string>
#include <unordered_map>
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
    std::string Where; // "src/x.cpp:12"
    std::string Why;
    unsigned TU;
  };
  std::unordered_map<std::string, std::vector<Use>> ByName;
  std::vector<std::pair<std::string, Use>> Includes; // spelled path, where
  std::vector<std::set<std::string>> Read; // per TU: the project files it read
};

} // namespace reach
