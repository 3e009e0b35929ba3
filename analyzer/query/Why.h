// `why SYMBOL`: the shortest path from a root to a symbol, or, for dead
// code, the nearest reached code that mentions it. Pure function over an
// Analysis; printers in tool/ and report/ consume the answer.
#pragma once

#include "query/QueryGraph.h"

#include <optional>
#include <string>
#include <vector>

namespace reach {

/// One node on a path; Kind and Site describe the edge that led to it from
/// the previous step (unset for the first step).
struct PathStep {
  unsigned Id;
  EdgeKind Kind = EdgeKind::Call;
  Loc Site;
  bool Dispatch = false;
};

struct WhyAnswer {
  unsigned Target;
  Status S;
  /// Live/test-only: root first, the target (or, for a class reached only
  /// through a member, that member) last.
  std::vector<PathStep> Path;
  std::string RootRule;  // entry rule of Path[0]: function, match, ..., test-file
  std::string RootNote;  // e.g. "registered by ipc::register_handler at a.cpp:3"
  /// Dead: chains from the nearest reached code that mentions the target
  /// (through dead code only) down to the target, nearest first.
  std::vector<std::vector<PathStep>> Mentions;
  std::vector<std::string> Notes; // why a mention does not make it reachable
  std::string UnknownWhy;         // Unknown: why it is not called dead
};

/// Shortest paths (fewest steps, then fewest indirect edges) from the roots
/// of R, through code R reached: one search answers every node, so a blast
/// with hundreds of referrers searches once.
class ShortestPaths {
public:
  /// Stop: the search may end once this node's path is known; then ask
  /// to() for Stop only.
  ShortestPaths(const Analysis &A, const QueryGraph &Q, const Reach &R,
                std::optional<unsigned> Stop = std::nullopt);
  /// Root first; empty if R does not reach Id.
  std::vector<PathStep> to(unsigned Id) const;

private:
  using Cost = std::pair<unsigned, unsigned>;
  std::vector<Cost> Best;
  std::vector<const Ref *> Via; // the edge into each node on its path
};

/// The path to one node: ShortestPaths(A, Q, R, Id).to(Id).
std::vector<PathStep> shortestPath(const Analysis &A, const QueryGraph &Q, const Reach &R,
                                   unsigned Id);

WhyAnswer explain(const Analysis &A, const QueryGraph &Q, unsigned Id);

/// Edge kind as users read it: "call", "virtual-call via RTA", ...
std::string edgeLabel(EdgeKind K);

} // namespace reach
