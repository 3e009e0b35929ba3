// Adjacency for queries (why, blast): every reference between definitions,
// forwards and backwards, with dispatched calls expanded to each
// implementation of the called method. Graph keeps only forward edges and
// unresolved virtual sites; queries need both directions, so they are built
// here once per run instead of changing Graph.
#pragma once

#include "graph/Analysis.h"

#include <optional>
#include <string>
#include <vector>

namespace reach {

struct Ref {
  unsigned From, To;
  EdgeKind Kind;
  Loc Site;
  /// A dispatched call to an implementation: real only when RTA reached
  /// the implementation's class, and not a reference the compiler checks.
  bool Dispatch = false;
  /// For a dispatch: the method the call site names itself (`b->run()` names
  /// Backend::run), which the compiler does check, unlike its overrides.
  bool Named = false;
  /// A use the compiler checks: deleting its target breaks the build.
  bool compileUse() const { return !Dispatch || Named; }
};

struct QueryGraph {
  std::vector<std::vector<Ref>> Out, In;
};

QueryGraph buildQueryGraph(const Graph &G);

/// The verdict of any node (reported or not): the one in A.Symbols when
/// there is one, else from the production and test reachability.
Status statusOf(const Analysis &A, unsigned Id);

/// True when a dispatch edge is taken under the given reachability (its
/// implementation's class is instantiated there), or when R is not a dispatch.
bool taken(const Graph &G, const Reach &R, const Ref &E);

/// "file:line" of a location, or "" when it has none.
std::string where(const Loc &L);

/// Reported definitions a user's SYMBOL names (query/SymbolLookup.h: USR,
/// qualified name, name(params), file:line); several for overloads or
/// same-named statics.
std::vector<unsigned> findSymbols(const Analysis &A, const std::string &Query);

} // namespace reach
