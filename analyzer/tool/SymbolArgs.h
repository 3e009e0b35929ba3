// Resolving SYMBOL (and, for blast, FILE) arguments to nodes, with the
// messages users need when a name is unknown or ambiguous.
#pragma once

#include "graph/Analysis.h"

#include <optional>
#include <string>
#include <vector>

namespace reach {

/// One symbol by USR or qualified name; prints candidates and returns
/// nullopt when there are none or several.
std::optional<unsigned> resolveSymbol(const Analysis &A, const std::string &Arg,
                                      const char *Command);

/// Every argument as a file (its definitions) or a symbol; an ambiguous name
/// takes all its candidates (deleting "f" deletes every f). nullopt on a miss.
std::optional<std::vector<unsigned>> resolveSet(const Analysis &A,
                                                const std::vector<std::string> &Args);

/// Warns on stderr that some TUs failed (their verdicts are unknown).
void warnFailures(const Analysis &A);

} // namespace reach
