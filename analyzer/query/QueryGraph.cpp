#include "query/QueryGraph.h"

#include "graph/SymbolLookup.h"

#include <unordered_map>

namespace reach {

QueryGraph buildQueryGraph(const Graph &G) {
  QueryGraph Q;
  size_t N = G.Nodes.size();
  Q.Out.resize(N);
  Q.In.resize(N);
  for (unsigned From = 0; From < N; ++From) {
    for (const GraphEdge &E : G.Out[From])
      Q.Out[From].push_back({From, E.To, E.Kind, E.Site, false, false});
    for (const VirtualSite &V : G.Virtual[From])
      for (unsigned Impl : G.implementations(V.Method))
        Q.Out[From].push_back(
            {From, Impl, EdgeKind::VirtualCall, V.Site, true, G.Nodes[Impl].Usr == V.Method});
  }
  for (unsigned From = 0; From < N; ++From)
    for (const Ref &R : Q.Out[From])
      Q.In[R.To].push_back(R);
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
