// The module view of a whole program: folders as clusters, files as nodes
// coloured by verdict, references between files aggregated into one edge
// with a count, files holding entry points drawn with a double border.
// Files, not functions, are the nodes, so it stays readable on thousands
// of functions; on hundreds of files, files are collapsed into their folder
// at a depth (a box per folder, with its files' live, test-only and dead
// counts and the dead share), clustered by top folder. A legend says what
// the colours and edge labels mean.
#pragma once

#include "report/Graphviz.h"

namespace reach {

/// Depth: folders below this many levels collapse into their ancestor at
/// that level (1: a box per top folder); 0: a box per file; -1 (auto): per
/// file up to MaxBoxes files, else the deepest uniform depth with at most
/// MaxBoxes boxes, then the folders holding the most code split further
/// while at most MaxBoxes boxes remain.
constexpr int AutoDepth = -1;
constexpr size_t MaxBoxes = 40;
DrawGraph drawModules(const Analysis &A, int Depth = AutoDepth);

} // namespace reach
