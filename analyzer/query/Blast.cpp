#include "query/Blast.h"

#include <algorithm>
#include <deque>
#include <tuple>

namespace reach {

std::vector<unsigned> definitionsInFile(const Analysis &A, const std::string &Path) {
  std::string Rel = Path;
  if (Rel.rfind(A.Root + "/", 0) == 0)
    Rel = Rel.substr(A.Root.size() + 1);
  while (Rel.rfind("./", 0) == 0)
    Rel = Rel.substr(2);
  std::vector<unsigned> R;
  for (const SymbolVerdict &V : A.Symbols)
    if (A.G.Nodes[V.Id].Where.File == Rel)
      R.push_back(V.Id);
  return R;
}

namespace {

/// Reachability as it would be with the set deleted: its nodes removed from
/// the graph (no edges in or out, invisible to dispatch), same roots minus
/// the set, same RTA fixpoint.
std::vector<char> reachedWithout(const Analysis &A, const std::vector<char> &InSet) {
  std::vector<unsigned> Roots;
  for (unsigned I = 0; I < A.G.Nodes.size(); ++I)
    if (!InSet[I] && ((A.Prod.reached(I) && A.Prod.Pred[I] < 0) ||
                      (A.Test.reached(I) && A.Test.Pred[I] < 0)))
      Roots.push_back(I);
  return computeReach(A.G, Roots, InSet).Reached;
}

/// The set with every member of a class in it (deleting a class deletes
/// its members), as flags and as the sorted list.
std::vector<char> withMembers(const Graph &G, const std::vector<unsigned> &Set, std::vector<unsigned> &Sorted) {
  std::vector<char> InSet(G.Nodes.size(), 0);
  for (unsigned I : Set)
    InSet[I] = 1;
  for (unsigned I = 0; I < G.Nodes.size(); ++I)
    if (int C = G.ParentClass[I]; C >= 0 && InSet[unsigned(C)])
      InSet[I] = 1;
  for (unsigned I = 0; I < G.Nodes.size(); ++I)
    if (InSet[I])
      Sorted.push_back(I);
  return InSet;
}

/// References from reached code outside the set. A dispatched call counts
/// only where RTA actually dispatches it to the implementation in the set.
void referencesFromOutside(const Analysis &A, const QueryGraph &Q, const std::vector<char> &InSet, BlastAnswer &B) {
  for (unsigned To : B.Set)
    for (const Ref &E : Q.In[To]) {
      if (InSet[E.From])
        continue;
      if (A.Prod.reached(E.From) && taken(A.G, A.Prod, E) && (!E.Dispatch || A.Prod.reached(To)))
        B.LiveRefs.push_back({E, Status::Live});
      else if (!A.Prod.reached(E.From) && A.Test.reached(E.From) && taken(A.G, A.Test, E) &&
               (!E.Dispatch || A.Test.reached(To)))
        B.TestRefs.push_back({E, Status::TestOnly});
    }
  auto ByPlace = [&](const BlastRef &X, const BlastRef &Y) {
    return std::tie(X.R.Site->File, X.R.Site->Line, X.R.From, X.R.To) <
           std::tie(Y.R.Site->File, Y.R.Site->Line, Y.R.From, Y.R.To);
  };
  std::sort(B.LiveRefs.begin(), B.LiveRefs.end(), ByPlace);
  std::sort(B.TestRefs.begin(), B.TestRefs.end(), ByPlace);
}

std::vector<std::vector<unsigned>> membersOf(const Graph &G) {
  std::vector<std::vector<unsigned>> Members(G.Nodes.size());
  for (unsigned I = 0; I < G.Nodes.size(); ++I)
    if (G.ParentClass[I] >= 0)
      Members[unsigned(G.ParentClass[I])].push_back(I);
  return Members;
}

/// What the set reaches (members of classes included) that nothing reaches
/// once the set is gone.
std::vector<char> orphanedBySet(const Analysis &A, const QueryGraph &Q, const std::vector<char> &InSet,
                                const std::vector<unsigned> &Set,
                                const std::vector<std::vector<unsigned>> &Members) {
  std::vector<char> After = reachedWithout(A, InSet);
  std::vector<char> Cand(A.G.Nodes.size(), 0);
  std::deque<unsigned> Work(Set.begin(), Set.end());
  auto Add = [&](unsigned I) {
    if (!InSet[I] && !Cand[I] && !After[I]) {
      Cand[I] = 1;
      Work.push_back(I);
    }
  };
  while (!Work.empty()) {
    unsigned Cur = Work.front();
    Work.pop_front();
    for (const Ref &E : Q.Out[Cur])
      Add(E.To);
    for (unsigned M : Members[Cur])
      Add(M);
  }
  return Cand;
}

/// Candidates minus anything other code outside the deletion still names
/// (dead code elsewhere, or a derived class of a base in the closure), to a
/// fixpoint: what remains can be deleted together without a dangling use.
/// Dispatches to overrides are not uses: the override vanishes with its class.
void dropStillNamed(const QueryGraph &Q, const std::vector<char> &InSet,
                    const std::vector<std::vector<unsigned>> &Members, std::vector<char> &Cand) {
  for (bool Changed = true; Changed;) {
    Changed = false;
    for (unsigned I = 0; I < Cand.size(); ++I) {
      if (!Cand[I])
        continue;
      for (const Ref &E : Q.In[I])
        if (E.compileUse() && !InSet[E.From] && !Cand[E.From]) {
          Cand[I] = 0;
          Changed = true;
          break;
        }
      // A class goes only with all of its members.
      for (unsigned M : Members[I])
        if (Cand[I] && !InSet[M] && !Cand[M]) {
          Cand[I] = 0;
          Changed = true;
        }
    }
  }
}

} // namespace

BlastAnswer blast(const Analysis &A, const QueryGraph &Q, std::vector<unsigned> Set) {
  BlastAnswer B;
  std::vector<char> InSet = withMembers(A.G, Set, B.Set);
  for (const EntryPoint &E : A.Entries)
    if (InSet[E.Id] && !A.G.Nodes[E.Id].DynamicInit)
      B.LiveEntries.push_back(E.Id);
  referencesFromOutside(A, Q, InSet, B);
  std::vector<std::vector<unsigned>> Members = membersOf(A.G);
  std::vector<char> Cand = orphanedBySet(A, Q, InSet, B.Set, Members);
  dropStillNamed(Q, InSet, Members, Cand);
  for (const SymbolVerdict &V : A.Symbols) // reported ones, in report order
    if (Cand[V.Id])
      B.Closure.push_back(V.Id);
  return B;
}

} // namespace reach
