// The module view of a whole program: folders as clusters, files as nodes
// coloured by verdict, references between files aggregated into one edge
// with a count, files holding entry points drawn with a double border.
// Files, not functions, are the nodes, so it stays readable on thousands
// of functions.
#pragma once

#include "report/Graphviz.h"

namespace reach {

DrawGraph drawModules(const Analysis &A);

} // namespace reach
