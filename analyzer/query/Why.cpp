#include "query/Why.h"

#include <algorithm>
#include <deque>
#include <queue>
#include <tuple>

namespace reach {

std::string edgeLabel(EdgeKind K) {
  if (K == EdgeKind::VirtualCall)
    return "virtual-call via RTA";
  return toString(K);
}

ShortestPaths::ShortestPaths(const Analysis &A, const QueryGraph &Q, const Reach &R,
                             std::optional<unsigned> Stop) {
  const Graph &G = A.G;
  // Dijkstra with a lexicographic cost (steps, indirect edges): the shortest
  // path, and among those the one made of direct calls. Only code that R
  // reached is walked, and a dispatched call only to classes R instantiated,
  // so every path shown is one the reachability itself could take. A node's
  // path is final once it is popped, so stopping there changes no path.
  const Cost Inf{~0u, ~0u};
  size_t N = G.Nodes.size();
  Best.assign(N, Inf);
  Via.assign(N, nullptr);
  if (Stop && !R.reached(*Stop))
    return;
  using Item = std::tuple<Cost, unsigned>;
  std::priority_queue<Item, std::vector<Item>, std::greater<Item>> Heap;
  for (unsigned I = 0; I < N; ++I)
    if (R.reached(I) && R.Pred[I] < 0) { // a root
      Best[I] = {0, 0};
      Heap.push({Best[I], I});
    }
  while (!Heap.empty()) {
    auto [C, Cur] = Heap.top();
    Heap.pop();
    if (C != Best[Cur])
      continue;
    if (Stop && Cur == *Stop)
      break;
    for (const Ref &E : Q.Out[Cur]) {
      if (!R.reached(E.To) || !taken(G, R, E))
        continue;
      Cost Next{C.first + 1, C.second + (E.Kind == EdgeKind::Call ? 0u : 1u)};
      if (Next < Best[E.To]) {
        Best[E.To] = Next;
        Via[E.To] = &E;
        Heap.push({Next, E.To});
      }
    }
  }
}

std::vector<PathStep> ShortestPaths::to(unsigned Id) const {
  if (Best[Id] == Cost{~0u, ~0u})
    return {}; // not reached (when R is consistent); report nothing rather than guess
  std::vector<PathStep> P;
  for (unsigned Cur = Id;;) {
    const Ref *E = Via[Cur];
    if (!E) {
      P.push_back({Cur, EdgeKind::Call, Loc{}, false});
      break;
    }
    P.push_back({Cur, E->Kind, *E->Site, E->Dispatch});
    Cur = E->From;
  }
  std::reverse(P.begin(), P.end());
  return P;
}

std::vector<PathStep> shortestPath(const Analysis &A, const QueryGraph &Q, const Reach &R,
                                   unsigned Id) {
  return ShortestPaths(A, Q, R, Id).to(Id);
}

namespace {

std::string rootRule(const Analysis &A, unsigned Root, bool Production, std::string &Note) {
  if (!Production)
    return A.G.Nodes[Root].DynamicInit ? "dynamic-initializer" : "test-file";
  std::string Rule = "entry";
  for (const EntryPoint &E : A.Entries)
    if (E.Id == Root)
      Rule = E.Rule;
  if (Rule == "registered-by")
    for (const Registration &Reg : A.G.Registrations)
      if (Reg.Target == A.G.Nodes[Root].Usr) {
        Note = "its address is passed to " + Reg.Callee + " at " + where(Reg.Site);
        break;
      }
  return Rule;
}

/// Backwards from a dead node through dead code to the nearest reached
/// definitions that mention it (BFS level by level; all hits of the first
/// level that has any, at most Max).
std::vector<std::vector<PathStep>> nearestMentions(const Analysis &A, const QueryGraph &Q,
                                                   unsigned Id, size_t Max) {
  size_t N = A.G.Nodes.size();
  std::vector<const Ref *> Next(N, nullptr); // edge towards the target
  std::vector<char> Seen(N, 0);
  Seen[Id] = 1;
  std::vector<unsigned> Level{Id}, Hits;
  // A class is mentioned through its members too (its constructor, say).
  for (unsigned I = 0; I < N; ++I)
    if (A.G.ParentClass[I] == int(Id)) {
      Seen[I] = 1;
      Level.push_back(I);
    }
  auto Reached = [&](unsigned I) { return A.Prod.reached(I) || A.Test.reached(I); };
  while (!Level.empty() && Hits.empty()) {
    std::vector<unsigned> NextLevel;
    for (unsigned Cur : Level)
      for (const Ref &E : Q.In[Cur]) {
        if (Seen[E.From])
          continue;
        Seen[E.From] = 1;
        Next[E.From] = &E;
        if (Reached(E.From))
          Hits.push_back(E.From);
        else
          NextLevel.push_back(E.From);
      }
    Level = std::move(NextLevel);
  }
  // Live mentions before test-only ones, then by position.
  std::stable_sort(Hits.begin(), Hits.end(), [&](unsigned X, unsigned Y) {
    return A.Prod.reached(X) > A.Prod.reached(Y);
  });
  if (Hits.size() > Max)
    Hits.resize(Max);
  std::vector<std::vector<PathStep>> Chains;
  for (unsigned H : Hits) {
    std::vector<PathStep> Chain{{H, EdgeKind::Call, Loc{}, false}};
    for (unsigned Cur = H; Next[Cur];) {
      const Ref *E = Next[Cur];
      Chain.push_back({E->To, E->Kind, *E->Site, E->Dispatch});
      Cur = E->To;
    }
    Chains.push_back(std::move(Chain));
  }
  return Chains;
}

} // namespace

WhyAnswer explain(const Analysis &A, const QueryGraph &Q, unsigned Id) {
  const Graph &G = A.G;
  WhyAnswer W{Id, statusOf(A, Id), {}, {}, {}, {}, {}, {}};
  for (const SymbolVerdict &V : A.Symbols)
    if (V.Id == Id)
      W.UnknownWhy = V.UnknownWhy;
  if (W.S == Status::Live || W.S == Status::TestOnly) {
    const Reach &R = W.S == Status::Live ? A.Prod : A.Test;
    unsigned Via = Id;
    if (!R.reached(Id)) {
      // A class is live through its best member: explain that member.
      for (unsigned I = 0; I < G.Nodes.size(); ++I)
        if (G.ParentClass[I] == int(Id) && R.reached(I)) {
          Via = I;
          W.Notes.push_back("class " + G.Nodes[Id].Name + " is " + toString(W.S) +
                            " through its member " + G.Nodes[I].Name);
          break;
        }
    }
    W.Path = shortestPath(A, Q, R, Via);
    if (!W.Path.empty())
      W.RootRule = rootRule(A, W.Path.front().Id, W.S == Status::Live, W.RootNote);
    return W;
  }
  if (W.S != Status::Dead)
    return W;
  W.Mentions = nearestMentions(A, Q, Id, 5);
  // A mention through a dispatched call is not taken when the class that
  // implements it is never instantiated: say so, it is the usual surprise.
  for (const auto &Chain : W.Mentions)
    for (const PathStep &S : Chain)
      if (S.Dispatch)
        if (int Cls = G.ParentClass[S.Id]; Cls >= 0 && !A.Prod.instantiated(unsigned(Cls))) {
          std::string Note = "class " + G.Nodes[Cls].Name + " is never instantiated in " +
                             (A.Test.instantiated(unsigned(Cls)) ? "production code (only in tests)"
                                                            : "reachable code");
          if (std::find(W.Notes.begin(), W.Notes.end(), Note) == W.Notes.end())
            W.Notes.push_back(Note);
        }
  return W;
}

} // namespace reach
