#include "graph/Graph.h"

#include <algorithm>
#include <unordered_set>

namespace reach {

Graph link(const std::vector<TUSummary> &TUs) {
  Graph G;
  for (const TUSummary &TU : TUs) {
    for (const Node &N : TU.Nodes) {
      auto [It, New] = G.ByUsr.try_emplace(N.Usr, unsigned(G.Nodes.size()));
      if (New) {
        G.Nodes.push_back(N);
        continue;
      }
      // Seen in another TU (inline, header): one node, facts merged.
      Node &M = G.Nodes[It->second];
      M.DynamicInit |= N.DynamicInit;
      for (const std::string &A : N.Annotations)
        if (std::find(M.Annotations.begin(), M.Annotations.end(), A) == M.Annotations.end())
          M.Annotations.push_back(A);
    }
    for (const std::string &F : TU.FilesSeen)
      G.FilesBuilt.insert(F);
    for (const Redeclaration &R : TU.Redeclarations) {
      auto &List = G.Redeclarations[R.Usr];
      bool Seen = std::any_of(List.begin(), List.end(), [&](const Redeclaration &O) {
        return O.RangeBegin.File == R.RangeBegin.File && O.RangeBegin.Offset == R.RangeBegin.Offset;
      });
      if (!Seen)
        List.push_back(R);
    }
  }
  size_t N = G.Nodes.size();
  G.Out.resize(N);
  G.Virtual.resize(N);
  G.ParentClass.assign(N, -1);
  for (size_t I = 0; I < N; ++I)
    if (!G.Nodes[I].Parent.empty())
      if (auto P = G.find(G.Nodes[I].Parent))
        G.ParentClass[I] = int(*P);

  std::unordered_set<uint64_t> EdgeSeen;
  std::unordered_set<std::string> VirtualSeen, OverrideSeen;
  for (const TUSummary &TU : TUs) {
    for (const Edge &E : TU.Edges) {
      auto From = G.find(E.From);
      if (!From)
        continue;
      if (E.Kind == EdgeKind::VirtualCall) {
        if (VirtualSeen.insert(E.From + '\x1f' + E.To).second)
          G.Virtual[*From].push_back({E.To, E.Site});
        continue;
      }
      auto To = G.find(E.To);
      if (!To)
        continue; // a declaration without a definition anywhere (library)
      uint64_t Key = (uint64_t(*From) << 32) | (uint64_t(*To) << 4) | uint64_t(E.Kind);
      if (EdgeSeen.insert(Key).second)
        G.Out[*From].push_back({*To, E.Kind, E.Site});
    }
    for (const OverrideInfo &O : TU.Overrides)
      if (OverrideSeen.insert(O.Overridden + '\x1f' + O.Method).second)
        G.Overriders[O.Overridden].push_back(O.Method);
    for (const Registration &R : TU.Registrations)
      G.Registrations.push_back(R);
  }
  return G;
}

std::vector<unsigned> Graph::implementations(const std::string &Method) const {
  std::vector<unsigned> R;
  std::unordered_set<std::string> Seen{Method};
  std::vector<std::string> Work{Method};
  while (!Work.empty()) {
    std::string M = std::move(Work.back());
    Work.pop_back();
    if (auto Id = find(M))
      R.push_back(*Id);
    auto It = Overriders.find(M);
    if (It == Overriders.end())
      continue;
    for (const std::string &O : It->second)
      if (Seen.insert(O).second)
        Work.push_back(O);
  }
  return R;
}

} // namespace reach
