#include "query/QueryGraph.h"

#include "graph/SymbolLookup.h"

namespace reach {

namespace {

/// The references into each node, in the order of Out (by From, then as
/// each node lists them): a counting sort of Out by target.
Adjacency reversed(const Adjacency &Out, size_t N) {
  Adjacency In;
  In.Begin.assign(N + 1, 0);
  for (const Ref &R : Out.Refs)
    ++In.Begin[R.To + 1];
  for (size_t I = 0; I < N; ++I)
    In.Begin[I + 1] += In.Begin[I];
  In.Refs.resize(Out.Refs.size());
  std::vector<size_t> Next(In.Begin.begin(), In.Begin.end() - 1);
  for (const Ref &R : Out.Refs)
    In.Refs[Next[R.To]++] = R;
  return In;
}

} // namespace

QueryGraph buildQueryGraph(const Graph &G) {
  QueryGraph Q;
  const size_t N = G.Nodes.size();
  Q.Out.Begin.reserve(N + 1);
  for (unsigned From = 0; From < N; ++From) {
    Q.Out.Begin.push_back(Q.Out.Refs.size());
    for (const GraphEdge &E : G.Out[From])
      Q.Out.Refs.push_back({From, E.To, E.Kind, &E.Site, false, false});
    for (const VirtualSite &V : G.Virtual[From])
      for (unsigned Impl : G.implementations(V.Method))
        Q.Out.Refs.push_back(
            {From, Impl, EdgeKind::VirtualCall, &V.Site, true, G.Nodes[Impl].Usr == V.Method});
  }
  Q.Out.Begin.push_back(Q.Out.Refs.size());
  Q.In = reversed(Q.Out, N);
  return Q;
}

Status statusOf(const Analysis &A, unsigned Id) {
  for (const SymbolVerdict &V : A.Symbols)
    if (V.Id == Id)
      return V.S;
  if (A.Prod.reached(Id))
    return Status::Live;
  if (A.Test.reached(Id))
    return Status::TestOnly;
  return Status::Dead;
}

bool taken(const Graph &G, const Reach &R, const Ref &E) {
  if (!E.Dispatch)
    return R.follows(E.From, E.Kind);
  int Cls = G.ParentClass[E.To];
  return Cls < 0 || R.instantiated(unsigned(Cls));
}

std::string where(const Loc &L) {
  if (L.File.empty())
    return "";
  return L.File + ":" + std::to_string(L.Line);
}

std::vector<unsigned> findSymbols(const Analysis &A, const std::string &Query) {
  std::vector<char> Reported(A.G.Nodes.size());
  for (const SymbolVerdict &V : A.Symbols)
    Reported[V.Id] = 1;
  std::vector<unsigned> R = lookupSymbol(A.G, Query);
  std::erase_if(R, [&](unsigned I) { return !Reported[I] && A.G.Nodes[I].Usr != Query; });
  return R;
}

} // namespace reach
