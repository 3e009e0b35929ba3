#include "graph/Reachability.h"

#include "llvm/ADT/DenseSet.h"

#include <algorithm>
#include <deque>

namespace reach {

std::vector<unsigned> Reach::path(unsigned N) const {
  std::vector<unsigned> P;
  if (!Reached[N])
    return P;
  for (int C = int(N); C >= 0 && P.size() <= Reached.size(); C = Pred[C])
    P.push_back(unsigned(C));
  std::reverse(P.begin(), P.end());
  return P;
}

Reach computeReach(const Graph &G, const std::vector<unsigned> &Roots, llvm::ArrayRef<char> Removed) {
  size_t N = G.Nodes.size();
  Reach R;
  R.Reached.assign(N, 0);
  R.Pred.assign(N, -1);
  R.PredKind.assign(N, EdgeKind::Call);
  R.PredSite.assign(N, Loc{});
  std::deque<unsigned> Work;
  auto Visit = [&](unsigned To, int From, EdgeKind K, const Loc &Site) {
    char Level = K == EdgeKind::TypeUse ? Reach::Named : Reach::Full;
    if (R.Reached[To] >= Level || (!Removed.empty() && Removed[To]))
      return false;
    R.Reached[To] = Level;
    R.Pred[To] = From;
    R.PredKind[To] = K;
    R.PredSite[To] = Site;
    Work.push_back(To);
    return true;
  };
  for (unsigned Root : Roots)
    Visit(Root, -1, EdgeKind::Call, Loc{});

  // Dispatched calls seen so far, one per target method (the first caller is
  // the one a `why` path shows), with their implementations.
  struct Pending {
    unsigned From;
    Loc Site;
    std::vector<unsigned> Impls;
  };
  std::vector<Pending> Calls;
  llvm::DenseSet<llvm::StringRef> Seen; // the methods' names live in G

  while (true) {
    while (!Work.empty()) {
      unsigned Cur = Work.front();
      Work.pop_front();
      for (const GraphEdge &E : G.Out[Cur])
        if (R.follows(Cur, E.Kind))
          Visit(E.To, int(Cur), E.Kind, E.Site);
      for (const VirtualSite &V : G.Virtual[Cur])
        if (Seen.insert(V.Method).second)
          Calls.push_back({Cur, V.Site, G.implementations(V.Method)});
    }
    // The RTA step: resolve dispatched calls against the classes instantiated
    // so far; newly reached code may instantiate more, so iterate.
    bool Changed = false;
    for (const Pending &P : Calls)
      for (unsigned Impl : P.Impls) {
        int Cls = G.ParentClass[Impl];
        if (!R.instantiated(Impl) && (Cls < 0 || R.instantiated(unsigned(Cls))))
          Changed |= Visit(Impl, int(P.From), EdgeKind::VirtualCall, P.Site);
      }
    if (!Changed)
      break;
  }
  return R;
}

} // namespace reach
