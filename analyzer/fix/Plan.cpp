#include "fix/Plan.h"

#include "llvm/Support/GlobPattern.h"

#include <algorithm>

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

} // namespace

Plan planDeletions(const Analysis &A, const FixOptions &O,
                   const std::function<bool(const std::string &)> &Editable,
                   const std::set<std::string> &Gone) {
  Plan P;
  const Graph &G = A.G;
  std::vector<Status> St(G.Nodes.size(), Status::Live);
  for (const SymbolVerdict &V : A.Symbols)
    St[V.Id] = V.S;

  auto InScope = [&](const std::string &File) {
    return !Gone.count(File) && Editable(File) && (O.Only.empty() || matchesAny(O.Only, File)) &&
           (O.IncludeVendored || !A.RulesUsed.isVendored(File));
  };
  // --symbol names a symbol; a class named also takes its members along.
  std::vector<char> Named(G.Nodes.size(), O.Symbols.empty());
  for (unsigned I = 0; I < G.Nodes.size(); ++I)
    for (const std::string &S : O.Symbols)
      if (G.Nodes[I].Name == S || G.Nodes[I].Usr == S)
        Named[I] = 1;
  for (unsigned I = 0; I < G.Nodes.size(); ++I)
    if (int C = G.ParentClass[I]; C >= 0 && Named[C])
      Named[I] = 1;

  auto Chosen = [&](unsigned I) {
    const Node &N = G.Nodes[I];
    return N.Project && !N.Implicit && Named[I] && deletable(St[I], O) &&
           InScope(N.RangeBegin.File);
  };
  for (const SymbolVerdict &V : A.Symbols) {
    unsigned I = V.Id;
    const Node &N = G.Nodes[I];
    if (!Chosen(I))
      continue;
    auto Skip = [&](const std::string &Why) {
      P.Skipped.push_back(N.Where.File + ":" + std::to_string(N.Where.Line) + ": kept " +
                          describe(N) + ": " + Why);
    };
    int Class = G.ParentClass[I];
    bool ClassGoes = Class >= 0 && Chosen(unsigned(Class));
    if (N.Kind == NodeKind::Lambda)
      continue; // inside its enclosing function: goes with it or not at all
    if (N.RangeInMacro) {
      Skip("written by a macro expansion");
      continue;
    }
    if (N.RangeBegin.File != N.RangeEnd.File || N.RangeEnd.Offset <= N.RangeBegin.Offset) {
      Skip("its source range is not one span of one file");
      continue;
    }
    // Removing one virtual of a class that stays changes which override
    // runs, or leaves a pure virtual unimplemented: only whole classes go.
    if (N.VirtualMethod && !ClassGoes) {
      Skip("virtual method of a class that stays");
      continue;
    }
    P.Deletions.push_back({N.RangeBegin.File, N.RangeBegin.Offset, N.RangeEnd.Offset, describe(N),
                           N.Kind == NodeKind::Variable});
    // Its declarations go too: nothing live references a dead symbol.
    auto It = G.Redeclarations.find(N.Usr);
    if (It == G.Redeclarations.end())
      continue;
    for (const Redeclaration &R : It->second) {
      if (R.RangeInMacro || !InScope(R.RangeBegin.File) || R.RangeBegin.File != R.RangeEnd.File) {
        Skip("a declaration in " + R.RangeBegin.File + " cannot be edited");
        continue;
      }
      P.Deletions.push_back({R.RangeBegin.File, R.RangeBegin.Offset, R.RangeEnd.Offset,
                             "declaration of '" + N.Name + "'", N.Kind == NodeKind::Variable});
    }
  }

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
