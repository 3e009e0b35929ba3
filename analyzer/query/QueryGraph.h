// Adjacency for queries (why, blast): every reference between definitions,
// forwards and backwards, with dispatched calls expanded to each
// implementation of the called method. Graph keeps only forward edges and
// unresolved virtual sites; queries need both directions, so they are built
// here once per run instead of changing Graph.
#pragma once

#include "graph/Analysis.h"

#include "llvm/ADT/ArrayRef.h"

#include <optional>
#include <string>
#include <vector>

namespace reach {

struct Ref {
  unsigned From, To;
  EdgeKind Kind;
  const Loc *Site; // the call site, in the Graph the QueryGraph was built from
  /// A dispatched call to an implementation: real only when RTA reached
  /// the implementation's class, and not a reference the compiler checks.
  bool Dispatch = false;
  /// For a dispatch: the method the call site names itself (`b->run()` names
  /// Backend::run), which the compiler does check, unlike its overrides.
  bool Named = false;
  /// A use the compiler checks: deleting its target breaks the build.
  bool compileUse() const { return !Dispatch || Named; }
};

/// Each node's references in one array (a node's are contiguous): a
/// vector per node was two million allocations on llama.cpp's graph.
class Adjacency {
public:
  llvm::ArrayRef<Ref> operator[](unsigned Node) const {
    return llvm::ArrayRef<Ref>(Refs).slice(Begin[Node], Begin[Node + 1] - Begin[Node]);
  }
  std::vector<Ref> Refs;
  std::vector<size_t> Begin; // node -> its first reference; one past the last node too
};

/// Built from a Graph that must outlive it (Ref::Site points into it).
struct QueryGraph {
  Adjacency Out, In;
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
