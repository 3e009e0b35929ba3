#include "fix/Plan.h"

#include "graph/SymbolLookup.h"

#include "llvm/Support/GlobPattern.h"

#include <algorithm>
#include <map>

namespace reach {
namespace {

bool deletable(Status S, const FixOptions &O) {
  return S == Status::Dead || (O.IncludeTestOnly && S == Status::TestOnly);
}

bool matchesAny(const std::vector<std::string> &Globs, const std::string &Path) {
  for (const std::string &G : Globs) {
    auto P = llvm::GlobPattern::create(G);
    if (P && P->match(Path))
      return true;
    if (!P)
      llvm::consumeError(P.takeError());
  }
  return false;
}

std::string describe(const Node &N) {
  return std::string(toString(N.Kind)) + " '" + N.Name + "'";
}

/// The methods tied to Usr by overriding, up and down: removing one of
/// them alone changes which override runs, or leaves a pure virtual
/// unimplemented; removing all of them together changes nothing a reachable
/// call can see, if no reachable call dispatches to any of them.
std::set<std::string> overrideFamily(const Graph &G, const std::string &Usr,
                                     const std::map<std::string, std::vector<std::string>> &Up) {
  std::set<std::string> Family{Usr};
  std::vector<std::string> Work{Usr};
  auto Add = [&](const std::string &M) {
    if (Family.insert(M).second)
      Work.push_back(M);
  };
  while (!Work.empty()) {
    std::string M = std::move(Work.back());
    Work.pop_back();
    if (auto It = G.Overriders.find(M); It != G.Overriders.end())
      for (const std::string &O : It->second)
        Add(O);
    if (auto It = Up.find(M); It != Up.end())
      for (const std::string &O : It->second)
        Add(O);
  }
  return Family;
}

/// Virtual methods go as whole override families: every member dead and
/// deletable here, and no reachable code dispatching to any of them.
class VirtualFamilies {
public:
  VirtualFamilies(const Analysis &A, std::function<bool(unsigned)> Chosen,
                  std::function<bool(const std::string &)> InScope)
      : G(A.G), Chosen(std::move(Chosen)), InScope(std::move(InScope)) {
    for (const auto &[Base, Overriders] : G.Overriders)
      for (const std::string &O : Overriders)
        Up[O].push_back(Base);
    for (unsigned I = 0; I < G.Nodes.size(); ++I) {
      if (A.Prod.reached(I) || A.Test.reached(I))
        for (const VirtualSite &V : G.Virtual[I])
          Dispatched.insert(V.Method);
      for (const GraphEdge &E : G.Out[I])
        if (E.Kind == EdgeKind::Construction || E.Kind == EdgeKind::Member)
          MaybeObjects.insert(E.To);
    }
  }

  /// An override in a class no code anywhere constructs (not even dead
  /// code, nor as a base or through a field read) can go alone: no object
  /// exists for a call to dispatch to, or to be left abstract. Unless other
  /// methods name it as what they override.
  bool goesAlone(unsigned Id) const {
    int Cls = G.ParentClass[Id];
    const std::string &Usr = G.Nodes[Id].Usr;
    bool Overridden = G.Overriders.count(Usr) && !G.Overriders.at(Usr).empty();
    return Cls >= 0 && !MaybeObjects.count(unsigned(Cls)) && (Up.count(Usr) || !Overridden);
  }

  /// "" if the family of Usr can go whole, else why not.
  std::string blocker(const std::string &Usr) const {
    for (const std::string &M : overrideFamily(G, Usr, Up)) {
      if (Dispatched.count(M))
        return "virtual method that reachable code dispatches to (through '" + nameOf(M) + "')";
      if (auto Id = G.find(M)) {
        if (!Chosen(*Id))
          return "virtual method whose override '" + G.Nodes[*Id].Name + "' stays";
      } else if (!G.Redeclarations.count(M)) {
        return "overrides a method declared outside the project";
      } else {
        for (const Redeclaration &R : G.Redeclarations.at(M))
          if (R.RangeInMacro || !InScope(R.RangeBegin.File) || R.RangeBegin.File != R.RangeEnd.File)
            return "virtual method whose declaration in " + R.RangeBegin.File + " cannot be edited";
      }
    }
    return "";
  }

  /// Members without a definition (`virtual f() = 0;`) go as declarations,
  /// once per family.
  void planPureDeclarations(const std::string &Usr, Plan &P) {
    std::set<std::string> Family = overrideFamily(G, Usr, Up);
    if (!Planned.insert(*Family.begin()).second)
      return;
    for (const std::string &M : Family)
      if (!G.find(M))
        for (const Redeclaration &R : G.Redeclarations.at(M))
          P.Deletions.push_back({R.RangeBegin.File, R.RangeBegin.Offset, R.RangeEnd.Offset,
                                 "declaration of '" + nameOf(M) + "'", false, *Family.begin(), nameOf(Usr)});
  }

  /// The unit a family member's deletions belong to: the whole family's.
  std::string familyUnit(const std::string &Usr) const { return *overrideFamily(G, Usr, Up).begin(); }

private:
  std::string nameOf(const std::string &Usr) const {
    auto Id = G.find(Usr);
    return Id ? G.Nodes[*Id].Name : Usr; // a pure virtual has no node, only its USR
  }

  const Graph &G;
  std::function<bool(unsigned)> Chosen;
  std::function<bool(const std::string &)> InScope;
  std::map<std::string, std::vector<std::string>> Up; // method -> what it overrides
  std::set<std::string> Dispatched;                    // reached by a dispatched call
  std::set<unsigned> MaybeObjects;                     // classes some code constructs or reads
  std::set<std::string> Planned;                       // families whose declarations are planned
};

std::string keptLine(const Node &N, const std::string &Why) {
  return N.Where.File + ":" + std::to_string(N.Where.Line) + ": kept " + describe(N) + ": " + Why;
}

/// The deletion whose range holds N (a lambda inside a deleted function).
const Deletion *heldByDeletion(const Node &N, const Plan &P) {
  auto It = std::find_if(P.Deletions.begin(), P.Deletions.end(), [&](const Deletion &D) {
    return D.File == N.RangeBegin.File && D.Begin <= N.RangeBegin.Offset && N.RangeEnd.Offset <= D.End;
  });
  return It == P.Deletions.end() ? nullptr : &*It;
}

/// Why fix leaves a declaration of a deleted definition, or "".
std::string whyDeclarationStays(const Redeclaration &R, const std::function<bool(const std::string &)> &Asked,
                                const std::function<bool(const std::string &)> &InScope) {
  if (R.RangeInMacro)
    return "written by a macro";
  if (R.RangeBegin.File != R.RangeEnd.File)
    return "its source range is not one span of one file";
  if (!Asked(R.RangeBegin.File))
    return "outside --only";
  if (!InScope(R.RangeBegin.File))
    return "a file fix does not edit: generated, vendored, or under the build directory";
  return "";
}

/// Why a dead, editable definition cannot be deleted as text, or "".
/// WithFamily: a virtual that can go only with its whole override family.
std::string whyKept(const Node &N, bool ClassGoes, bool WithFamily, const VirtualFamilies &Families) {
  if (N.RangeInMacro)
    return N.Macro.empty() ? "written by a macro expansion" : "written by macro " + N.Macro;
  if (N.RangeBegin.File != N.RangeEnd.File || N.RangeEnd.Offset <= N.RangeBegin.Offset)
    return "its source range is not one span of one file";
  // Removing one virtual of a class that stays changes which override
  // runs, or leaves a pure virtual unimplemented: whole classes go, or
  // whole override families that no reachable call can dispatch to.
  if (N.VirtualMethod && !ClassGoes && N.Kind == NodeKind::Destructor)
    return "virtual destructor of a class that stays"; // without it, deleting through a base leaks
  if (WithFamily)
    return Families.blocker(N.Usr);
  return "";
}

/// Which definitions the plan may take: all, or those --symbol names (a
/// class named takes its members along), and with --with-dead-users the dead
/// code that references them: directly, or through a library instantiation
/// (`std::make_unique<Old>`); a dead virtual goes as its whole dead class,
/// as fix deletes virtuals.
std::vector<char> namedSymbols(const Graph &G, const std::vector<Status> &St, const FixOptions &O) {
  std::vector<char> Named(G.Nodes.size(), O.Symbols.empty());
  for (const std::string &S : O.Symbols)
    for (unsigned I : lookupSymbol(G, S))
      Named[I] = 1;
  auto NameVirtualsClass = [&](unsigned I) {
    if (int C = G.ParentClass[I]; C >= 0 && G.Nodes[I].VirtualMethod && deletable(St[C], O))
      Named[C] = 1;
  };
  if (O.WithDeadUsers)
    for (unsigned I = 0; I < G.Nodes.size(); ++I)
      if (Named[I])
        NameVirtualsClass(I);
  for (bool Grew = O.WithDeadUsers && !O.Symbols.empty(); Grew;) {
    Grew = false;
    for (unsigned I = 0; I < G.Nodes.size(); ++I) {
      if (Named[I] || (G.Nodes[I].Project && !deletable(St[I], O)))
        continue;
      if (std::any_of(G.Out[I].begin(), G.Out[I].end(), [&](const GraphEdge &E) { return Named[E.To]; })) {
        Named[I] = Grew = true;
        NameVirtualsClass(I);
      }
    }
  }
  for (unsigned I = 0; I < G.Nodes.size(); ++I)
    if (int C = G.ParentClass[I]; C >= 0 && Named[C])
      Named[I] = 1;
  return Named;
}

/// Plan::Uses from the graph: the edges and dispatched calls between the
/// nodes of two different units (UnitOf: node -> its unit).
std::set<std::pair<std::string, std::string>> usesBetween(const Graph &G,
                                                          const std::map<unsigned, std::string> &UnitOf) {
  std::set<std::pair<std::string, std::string>> Uses;
  auto Add = [&](const std::string &User, unsigned To) {
    if (auto It = UnitOf.find(To); It != UnitOf.end() && It->second != User)
      Uses.insert({User, It->second});
  };
  for (const auto &[Id, Unit] : UnitOf) {
    for (const GraphEdge &E : G.Out[Id])
      Add(Unit, E.To);
    for (const VirtualSite &V : G.Virtual[Id])
      for (unsigned Impl : G.implementations(V.Method))
        Add(Unit, Impl);
  }
  return Uses;
}

} // namespace

Plan planDeletions(const Analysis &A, const FixOptions &O,
                   const std::function<bool(const std::string &)> &Editable,
                   const std::set<std::string> &Gone) {
  Plan P;
  const Graph &G = A.G;
  std::vector<Status> St(G.Nodes.size(), Status::Live);
  for (const SymbolVerdict &V : A.Symbols)
    St[V.Id] = V.S;

  auto Vendored = [&](const std::string &File) {
    return !O.IncludeVendored && A.RulesUsed.isVendored(File);
  };
  // What the user asked for (--only), before what fix may edit.
  auto Asked = [&](const std::string &File) {
    return !Gone.count(File) && (O.Only.empty() || matchesAny(O.Only, File));
  };
  auto InScope = [&](const std::string &File) {
    return Asked(File) && Editable(File) && !Vendored(File);
  };
  std::vector<char> Named = namedSymbols(G, St, O);

  auto Wanted = [&](unsigned I) {
    const Node &N = G.Nodes[I];
    return N.Project && !N.Implicit && Named[I] && deletable(St[I], O) && Asked(N.RangeBegin.File);
  };
  auto Chosen = [&](unsigned I) { return Wanted(I) && InScope(G.Nodes[I].RangeBegin.File); };
  std::vector<unsigned> Lambdas; // kept unless a deletion holds them
  std::map<unsigned, std::string> UnitOf; // each node planned, and its unit

  VirtualFamilies Families(A, [&](unsigned I) { return Chosen(I); }, InScope);
  for (const SymbolVerdict &V : A.Symbols) {
    unsigned I = V.Id;
    const Node &N = G.Nodes[I];
    auto Skip = [&](const std::string &Why) { P.Skipped.push_back(keptLine(N, Why)); };
    if (!Wanted(I))
      continue;
    // Every dead definition fix does not delete is said, with the reason.
    if (Vendored(N.RangeBegin.File)) {
      ++P.VendoredLeft;
      continue;
    }
    if (!Editable(N.RangeBegin.File)) {
      Skip("in a file fix does not edit (generated, outside the root, or under the build directory)");
      continue;
    }
    int Class = G.ParentClass[I];
    bool ClassGoes = Class >= 0 && Chosen(unsigned(Class));
    if (N.Kind == NodeKind::Lambda) {
      Lambdas.push_back(I); // inside its enclosing function: goes with it or not at all
      continue;
    }
    const bool WithFamily = N.VirtualMethod && !ClassGoes && !Families.goesAlone(I);
    if (std::string Why = whyKept(N, ClassGoes, WithFamily, Families); !Why.empty()) {
      Skip(Why);
      continue;
    }
    if (WithFamily)
      Families.planPureDeclarations(N.Usr, P);
    const std::string Unit = ClassGoes ? G.Nodes[Class].Usr : WithFamily ? Families.familyUnit(N.Usr) : N.Usr;
    UnitOf[I] = Unit;
    P.Deletions.push_back({N.RangeBegin.File, N.RangeBegin.Offset, N.RangeEnd.Offset, describe(N),
                           N.Kind == NodeKind::Variable, Unit, N.Name});
    // Its declarations go too: nothing live references a dead symbol.
    auto It = G.Redeclarations.find(N.Usr);
    if (It == G.Redeclarations.end())
      continue;
    for (const Redeclaration &R : It->second) {
      // The definition goes all the same: a declaration without one
      // compiles and links while nothing uses it. Said, not called kept.
      if (std::string Why = whyDeclarationStays(R, Asked, InScope); !Why.empty()) {
        P.Remarks.push_back(N.Where.File + ":" + std::to_string(N.Where.Line) + ": deleted " + describe(N) +
                            "; its declaration in " + R.RangeBegin.File + " stays (" + Why + ")");
        continue;
      }
      P.Deletions.push_back({R.RangeBegin.File, R.RangeBegin.Offset, R.RangeEnd.Offset,
                             "declaration of '" + N.Name + "'", N.Kind == NodeKind::Variable, Unit, N.Name});
    }
  }

  for (unsigned I : Lambdas)
    if (const Deletion *Holder = heldByDeletion(G.Nodes[I], P))
      UnitOf[I] = Holder->Unit; // what the lambda uses, its holder uses
    else
      P.Skipped.push_back(keptLine(G.Nodes[I], "a lambda inside code that stays (delete the code that makes it)"));
  P.Uses = usesBetween(G, UnitOf);
  for (const FileVerdict &F : A.Files) {
    if (!InScope(F.Path) || !O.Symbols.empty())
      continue;
    if (F.S == Status::Orphaned)
      P.OrphanFiles.insert(F.Path);
    else if (deletable(F.S, O))
      P.DeadFiles.insert(F.Path);
  }
  std::sort(P.Deletions.begin(), P.Deletions.end(), [](const Deletion &X, const Deletion &Y) {
    return std::tie(X.File, X.Begin, X.End) < std::tie(Y.File, Y.Begin, Y.End);
  });
  return P;
}

} // namespace reach
