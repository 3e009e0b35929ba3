// The rules a project's analysis used, for commands that need its policies
// (check, and scan's SARIF): the same file loadProject() reads.
#pragma once

#include "tool/Options.h"

#include <optional>

namespace reach {

/// --rules, else <root>/reach.yaml, else the defaults. Prints errors.
std::optional<Rules> loadProjectRules(const CommonOptions &Opts, const std::string &Root);

} // namespace reach
