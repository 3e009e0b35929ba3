// Reachability over the linked graph with Rapid Type Analysis for virtual
// calls: a dispatched call reaches an implementation only once that
// implementation's class is instantiated by code already reached.
#pragma once

#include "graph/Graph.h"

#include <vector>

namespace reach {

struct Reach {
  std::vector<char> Reached;
  std::vector<int> Pred;          // BFS predecessor, -1 for roots
  std::vector<EdgeKind> PredKind; // kind of the edge from Pred
  std::vector<Loc> PredSite;      // its call site

  bool reached(unsigned N) const { return Reached[N]; }
  /// Root -> ... -> N, as node ids; empty if N is not reached.
  std::vector<unsigned> path(unsigned N) const;
};

Reach computeReach(const Graph &G, const std::vector<unsigned> &Roots);

} // namespace reach
