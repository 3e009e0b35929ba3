#include "report/FocusView.h"

#include <set>

namespace reach {

namespace {

struct Builder {
  const Analysis &A;
  DrawGraph D;
  std::set<std::string> Seen;

  void node(unsigned Id, const std::string &Cluster, bool Emphasis) {
    const Node &N = A.G.Nodes[Id];
    if (!Seen.insert(N.Usr).second)
      return;
    Status S = statusOf(A, Id);
    D.Nodes.push_back({N.Usr, N.Name + "\n" + where(N.Where), statusColor(S), Cluster,
                       std::string(toString(S)) + " " + toString(N.Kind), toString(S), Emphasis});
  }
  void steps(const std::vector<PathStep> &P) {
    for (size_t I = 0; I < P.size(); ++I) {
      node(P[I].Id, "", I == 0 || I + 1 == P.size());
      if (I)
        D.Edges.push_back({A.G.Nodes[P[I - 1].Id].Usr, A.G.Nodes[P[I].Id].Usr,
                           edgeLabel(P[I].Kind) + (P[I].Site.File.empty() ? "" : "\n" + where(P[I].Site)),
                           P[I].Dispatch});
    }
  }
};

} // namespace

DrawGraph drawWhy(const Analysis &A, const WhyAnswer &W) {
  Builder B{A, {}, {}};
  B.D.Name = "why";
  B.D.LeftToRight = true;
  B.steps(W.Path);
  for (const auto &Chain : W.Mentions)
    B.steps(Chain);
  if (B.D.Nodes.empty())
    B.node(W.Target, "", true);
  return B.D;
}

DrawGraph drawBlast(const Analysis &A, const BlastAnswer &Ans) {
  Builder B{A, {}, {}};
  B.D.Name = "blast";
  B.D.LeftToRight = true;
  auto Shown = [&](unsigned I) { return !A.G.Nodes[I].Implicit; };
  for (unsigned I : Ans.Set)
    if (Shown(I))
      B.node(I, "deletion set", true);
  for (unsigned I : Ans.Closure)
    B.node(I, "dead closure", false);
  for (const auto *List : {&Ans.LiveRefs, &Ans.TestRefs})
    for (const BlastRef &R : *List) {
      B.node(R.R.From, "", false);
      B.node(R.R.To, "deletion set", true);
      B.D.Edges.push_back({A.G.Nodes[R.R.From].Usr, A.G.Nodes[R.R.To].Usr,
                           edgeLabel(R.R.Kind) + "\n" + where(R.R.Site), R.R.Dispatch});
    }
  return B.D;
}

} // namespace reach
