// The step every subcommand starts with: the compile database, the rules
// and the root resolved from the common options, every TU extracted, the
// program analysed.
#pragma once

#include "graph/Analysis.h"
#include "tool/Options.h"

#include <optional>

namespace reach {

/// Reads the compile database and rules, extracts every TU and analyses the
/// program. Prints errors and returns nullopt on input errors. Overlay:
/// fix's edits not yet on disk (its later rounds).
std::optional<Analysis> loadProject(const CommonOptions &Opts, const SourceOverlay *Overlay = nullptr);

/// Compiles only Files (as the compile database names them) with Overlay's
/// edits, a syntax check each: the TUs that fail, with their first errors;
/// empty when all compile. Once one fails the rest are not started (a
/// trial that fails needs no more). fix's search for the deletions that
/// broke a round.
std::vector<TUFailure> compileWithOverlay(const CommonOptions &Opts, const std::string &Root,
                                          const SourceOverlay &Overlay, const std::vector<std::string> &Files);

} // namespace reach
