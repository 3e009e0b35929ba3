// Lines changed since a git revision, for `check --new-only --base REV`:
// added or modified lines of the working tree against REV (git diff -U0),
// plus every line of untracked files, keyed by path relative to the root.
#pragma once

#include "check/Findings.h"

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace reach {

struct ChangedLines {
  /// path -> [first, last] line ranges; a range of {1, ~0u} is a whole file.
  std::map<std::string, std::vector<std::pair<unsigned, unsigned>>> Files;
  bool touches(const std::string &File, unsigned First, unsigned Last) const;
};

/// Parses `git diff --unified=0` output (paths after "+++ b/").
ChangedLines parseUnifiedDiff(const std::string &Diff);

/// Runs git in Root; nullopt and Error when git fails (not a repository,
/// unknown revision).
std::optional<ChangedLines> changedSince(const std::string &Root, const std::string &Rev,
                                         std::string &Error);

/// Findings whose definition (or reference site) overlaps a changed line.
std::vector<Finding> onlyChanged(const std::vector<Finding> &F, const ChangedLines &C);

} // namespace reach
