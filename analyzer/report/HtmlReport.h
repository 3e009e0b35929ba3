// One self-contained HTML file: summary counts, the module graph as inline
// SVG, and per module (folder) sortable tables of dead and test-only code,
// each row with its why-path. No external scripts, styles or fonts.
#pragma once

#include "check/Findings.h"
#include "query/QueryGraph.h"

#include <string>

namespace reach {

/// ModuleSvg: the rendered module view (may be empty when Graphviz failed).
std::string renderHtml(const Analysis &A, const QueryGraph &Q, const std::string &ModuleSvg);

} // namespace reach
