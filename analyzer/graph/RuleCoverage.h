// Rules that match nothing: an entry, keep, tests or exclude item that names
// no definition or no file is almost always a typo, and a typo in an entry
// turns the whole program dead (and `fix` would delete it). Pure: reads the
// rules and the linked graph, prints nothing.
#pragma once

#include "graph/Graph.h"
#include "rules/Rules.h"

#include <string>
#include <vector>

namespace reach {

struct UnmatchedRule {
  RuleSite Site;
  std::string Message; // "entry 'mian' matches no definition (did you mean 'main'?)"
};

/// Files: every project file some TU read, plus the orphaned sources (what
/// `tests:` and `exclude:` globs are matched against), root-relative.
std::vector<UnmatchedRule> unmatchedRules(const Rules &R, const Graph &G,
                                          const std::vector<std::string> &Files);

/// Does entry E name node N? (registered-by: a definition of that name or a
/// registration through it exists; the analysis resolves registrations.)
bool entryMatches(const EntryRule &E, const Graph &G, const Node &N);

/// " (did you mean 'main'?)" for the project definition whose name is
/// nearest to Wanted, if near enough to be a typo; "" otherwise.
std::string didYouMean(const Graph &G, const std::string &Wanted);

/// "file:line:col: error: message" (or "file: error: ..." for the defaults).
std::string formatUnmatched(const Rules &R, const UnmatchedRule &U, const char *Severity);

} // namespace reach
