// Reachability over the linked graph with Rapid Type Analysis for virtual
// calls: a dispatched call reaches an implementation only once that
// implementation's class is instantiated by code already reached.
#pragma once

#include "graph/Graph.h"

#include "llvm/ADT/ArrayRef.h"

#include <vector>

namespace reach {

struct Reach {
  /// How a node is reached. A class only named as a type (EdgeKind::TypeUse)
  /// must exist, but no object of it is made: RTA does not dispatch into it
  /// and its instantiation edges (destructor, bases' subobjects, library
  /// overrides) are not followed until something constructs it.
  enum Level : char { No = 0, Named = 1, Full = 2 };
  std::vector<char> Reached;
  std::vector<int> Pred;          // BFS predecessor, -1 for roots
  std::vector<EdgeKind> PredKind; // kind of the edge from Pred
  std::vector<Loc> PredSite;      // its call site

  bool reached(unsigned N) const { return Reached[N] != No; }
  bool instantiated(unsigned N) const { return Reached[N] == Full; }
  /// Whether the reachability follows edge kind K out of node From.
  bool follows(unsigned From, EdgeKind K) const {
    return Reached[From] == Full || K != EdgeKind::Member;
  }
  /// Root -> ... -> N, as node ids; empty if N is not reached.
  std::vector<unsigned> path(unsigned N) const;
};

/// Removed (empty, or a flag per node): nodes taken out of the graph, as a
/// deletion would (no edges in or out, invisible to dispatch); blast asks
/// what is reached without them. Roots among them are not roots.
Reach computeReach(const Graph &G, const std::vector<unsigned> &Roots, llvm::ArrayRef<char> Removed = {});

} // namespace reach
