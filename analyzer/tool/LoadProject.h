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

} // namespace reach
