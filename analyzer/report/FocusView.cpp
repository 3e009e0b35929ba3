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
  /// Code outside the root (the standard library's templates a path runs
  /// through: std::function, std::make_unique...) as one box per run of
  /// it, named by its first definition: the project's caller and callee are
  /// what the reader looks for.
  std::string libraryBox(const std::vector<PathStep> &P, size_t First, size_t End) {
    std::string Id = "library:" + A.G.Nodes[P[First].Id].Usr;
    if (!Seen.insert(Id).second)
      return Id;
    std::string Names;
    for (size_t K = First; K < End; ++K)
      Names += (K > First ? "\n" : "") + A.G.Nodes[P[K].Id].Name;
    std::string Count = std::to_string(End - First) + (End - First == 1 ? " definition" : " definitions");
    D.Nodes.push_back({Id, "library code\n(" + Count + ")", "#e0e0e0", "", Names, "library", false});
    return Id;
  }
  void steps(const std::vector<PathStep> &P) {
    std::string Previous;
    for (size_t I = 0; I < P.size();) {
      std::string Id;
      size_t Next = I + 1;
      if (A.G.Nodes[P[I].Id].Project) {
        node(P[I].Id, "", I == 0 || I + 1 == P.size());
        Id = A.G.Nodes[P[I].Id].Usr;
      } else {
        while (Next < P.size() && !A.G.Nodes[P[Next].Id].Project)
          ++Next;
        Id = libraryBox(P, I, Next);
      }
      if (!Previous.empty())
        D.Edges.push_back({Previous, Id,
                           edgeLabel(P[I].Kind) + (P[I].Site.File.empty() ? "" : "\n" + where(P[I].Site)),
                           P[I].Dispatch});
      Previous = Id;
      I = Next;
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
      std::string From = A.G.Nodes[R.R.From].Usr;
      if (A.G.Nodes[R.R.From].Project)
        B.node(R.R.From, "", false);
      else // one box for all library code that uses the set
        From = B.libraryBox({PathStep{R.R.From}}, 0, 1);
      B.node(R.R.To, "deletion set", true);
      B.D.Edges.push_back({From, A.G.Nodes[R.R.To].Usr, edgeLabel(R.R.Kind) + "\n" + where(R.R.Site),
                           R.R.Dispatch});
    }
  return B.D;
}

} // namespace reach
