#include "report/FocusView.h"

#include <deque>
#include <optional>
#include <map>
#include <set>

#include "query/QueryGraph.h"

namespace reach {

namespace {

struct Builder {
  const Analysis &A;
  DrawGraph D;
  std::set<std::string> Seen;
  std::set<std::pair<std::string, std::string>> Drawn; // edges, once per pair of boxes

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
  /// A path's definitions and edges; `EmphasizeEnds`: its first and last
  /// definitions drawn bold (why's root and target).
  void steps(const std::vector<PathStep> &P, bool EmphasizeEnds = true) {
    std::string Previous;
    for (size_t I = 0; I < P.size();) {
      std::string Id;
      size_t Next = I + 1;
      if (A.G.Nodes[P[I].Id].Project) {
        node(P[I].Id, "", EmphasizeEnds && (I == 0 || I + 1 == P.size()));
        Id = A.G.Nodes[P[I].Id].Usr;
      } else {
        while (Next < P.size() && !A.G.Nodes[P[Next].Id].Project)
          ++Next;
        Id = libraryBox(P, I, Next);
      }
      if (!Previous.empty() && Drawn.insert({Previous, Id}).second)
        D.Edges.push_back({Previous, Id,
                           edgeLabel(P[I].Kind) + (P[I].Site.File.empty() ? "" : "\n" + where(P[I].Site)),
                           P[I].Dispatch});
      Previous = Id;
      I = Next;
    }
  }
};

/// The nearest project definition whose call leads, through library code
/// only, to library node L, and that chain: project caller first, L last
/// (each step's edge kind and site are those into it). Empty when no
/// project code calls into L within kMaxLibraryHops.
std::vector<PathStep> projectCallerOf(const Analysis &A, const QueryGraph &Q, unsigned L) {
  constexpr size_t kMaxLibraryHops = 256;
  std::map<unsigned, const Ref *> Via; // node -> the edge out of it towards L
  std::deque<unsigned> Work{L};
  Via[L] = nullptr;
  while (!Work.empty() && Via.size() < kMaxLibraryHops) {
    const unsigned N = Work.front();
    Work.pop_front();
    for (const Ref &E : Q.In[N]) {
      if (Via.count(E.From))
        continue;
      Via[E.From] = &E;
      if (!A.G.Nodes[E.From].Project) {
        Work.push_back(E.From);
        continue;
      }
      std::vector<PathStep> Chain{{E.From}};
      for (const Ref *Step = &E; Step; Step = Via[Step->To])
        Chain.push_back({Step->To, Step->Kind, *Step->Site, Step->Dispatch});
      return Chain;
    }
  }
  return {};
}

} // namespace

DrawGraph drawWhy(const Analysis &A, const WhyAnswer &W) {
  Builder B{A, {}, {}, {}};
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
  Builder B{A, {}, {}, {}};
  B.D.Name = "blast";
  B.D.LeftToRight = true;
  auto Shown = [&](unsigned I) { return !A.G.Nodes[I].Implicit; };
  for (unsigned I : Ans.Set)
    if (Shown(I))
      B.node(I, "deletion set", true);
  for (unsigned I : Ans.Closure)
    B.node(I, "dead closure", false);
  std::optional<QueryGraph> Q; // built once a library referrer needs it
  for (const auto *List : {&Ans.LiveRefs, &Ans.TestRefs})
    for (const BlastRef &R : *List) {
      B.node(R.R.To, "deletion set", true);
      const PathStep Into{R.R.To, R.R.Kind, *R.R.Site, R.R.Dispatch};
      if (A.G.Nodes[R.R.From].Project) {
        B.steps({PathStep{R.R.From}, Into}, false);
        continue;
      }
      // Library code uses the set (std::sort calling a comparator): the
      // project code that called into the library comes first, then one
      // box for the library's definitions on the way.
      if (!Q)
        Q = buildQueryGraph(A.G);
      std::vector<PathStep> Chain = projectCallerOf(A, *Q, R.R.From);
      if (Chain.empty())
        Chain.push_back({R.R.From});
      Chain.push_back(Into);
      B.steps(Chain, false);
    }
  return B.D;
}

} // namespace reach
