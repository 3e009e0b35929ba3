// What `check` gates on, and what SARIF reports: one finding per dead
// definition, test-only definition in production code, orphaned file and
// policy violation. Each has a key built from USRs (or a path for files),
// so moving code inside or between files does not change it.
#pragma once

#include "graph/Analysis.h"
#include "rules/Rules.h"

#include <optional>
#include <string>
#include <vector>

namespace reach {

enum class FindingKind { Dead, TestOnly, Orphaned, Forbidden, SingleImplementation };
const char *toString(FindingKind K); // also the SARIF rule id suffix
extern const FindingKind AllFindingKinds[5];

struct Finding {
  FindingKind Kind;
  std::string Key;     // stable: "usr:<USR>", "file:<path>", "forbid:<USR>-><USR>", ...
  std::string Name;    // symbol name or path, for people
  std::string File;    // relative to the root
  unsigned Line = 0, Column = 0, EndLine = 0; // EndLine: end of the definition
  std::string Message;
};

/// All findings, sorted by file and line. Policies come from R; an error in
/// them (a base class that does not exist, an unknown `per`) returns nullopt
/// and sets Error.
std::optional<std::vector<Finding>> collectFindings(const Analysis &A, const Rules &R,
                                                    std::string &Error);

} // namespace reach
