#include "report/QueryText.h"

namespace reach {

std::string describe(const Analysis &A, unsigned Id) {
  const Node &N = A.G.Nodes[Id];
  std::string S = std::string(toString(N.Kind)) + " '" + N.Name + "'";
  if (!N.Where.File.empty())
    S += " (" + where(N.Where) + ")";
  return S;
}

static void printSteps(const Analysis &A, const std::vector<PathStep> &Path, const std::string &First,
                       llvm::raw_ostream &OS) {
  for (size_t I = 0; I < Path.size(); ++I) {
    const PathStep &S = Path[I];
    OS << "  " << I + 1 << ". " << A.G.Nodes[S.Id].Name;
    if (!A.G.Nodes[S.Id].Where.File.empty())
      OS << " (" << where(A.G.Nodes[S.Id].Where) << ")";
    if (I == 0)
      OS << "  [" << First << "]\n";
    else
      OS << "  [" << edgeLabel(S.Kind) << (S.Site.File.empty() ? "" : " at " + where(S.Site))
         << "]\n";
  }
}

void printWhy(const Analysis &A, const WhyAnswer &W, llvm::raw_ostream &OS) {
  OS << describe(A, W.Target) << " is " << toString(W.S) << "\n";
  for (const std::string &N : W.Notes)
    if (W.S != Status::Dead)
      OS << "note: " << N << "\n";
  switch (W.S) {
  case Status::Live:
  case Status::TestOnly: {
    if (W.Path.empty())
      break;
    std::string Root = W.S == Status::Live ? "production entry" : "test root";
    OS << "path from " << Root << " '" << A.G.Nodes[W.Path.front().Id].Name << "' (" << W.RootRule
       << (W.RootNote.empty() ? "" : "; " + W.RootNote) << "), " << W.Path.size() << " step"
       << (W.Path.size() == 1 ? "" : "s") << ":\n";
    printSteps(A, W.Path, "entry: " + W.RootRule, OS);
    break;
  }
  case Status::Dead:
    OS << "no production entry point and no test reaches it\n";
    if (W.Mentions.empty()) {
      OS << "no live or test code mentions it\n";
      break;
    }
    for (const auto &Chain : W.Mentions) {
      unsigned From = Chain.front().Id;
      OS << "nearest " << (A.Prod.reached(From) ? "live" : "test-only") << " code that mentions it: '"
         << A.G.Nodes[From].Name << "' (" << where(A.G.Nodes[From].Where) << ")\n";
      printSteps(A, Chain, A.Prod.reached(From) ? "live" : "test-only", OS);
    }
    for (const std::string &N : W.Notes)
      OS << "note: " << N << "\n";
    break;
  case Status::Unknown:
    OS << W.UnknownWhy << "\n";
    break;
  case Status::Orphaned:
  case Status::UnbuiltHere:
    break;
  }
}

static void printRefs(const Analysis &A, const QueryGraph &Q, const std::vector<BlastRef> &Refs,
                      bool WithPath, llvm::raw_ostream &OS) {
  std::optional<ShortestPaths> Live; // searched once, when a path is printed
  for (const BlastRef &R : Refs) {
    OS << "  " << (R.R.Site->File.empty() ? where(A.G.Nodes[R.R.From].Where) : where(*R.R.Site)) << ": "
       << toString(R.FromStatus) << " " << describe(A, R.R.From) << " -> '" << A.G.Nodes[R.R.To].Name
       << "' (" << edgeLabel(R.R.Kind) << ")\n";
    if (!WithPath)
      continue;
    if (!Live)
      Live.emplace(A, Q, A.Prod);
    std::vector<PathStep> P = Live->to(R.R.From);
    OS << "    live path:";
    for (size_t I = 0; I < P.size(); ++I)
      OS << (I ? " -> " : " ") << A.G.Nodes[P[I].Id].Name;
    OS << " -> " << A.G.Nodes[R.R.To].Name << "\n";
  }
}

void printBlast(const Analysis &A, const QueryGraph &Q, const BlastAnswer &B, llvm::raw_ostream &OS) {
  size_t Reported = 0;
  for (unsigned I : B.Set)
    Reported += A.G.Nodes[I].Project && !A.G.Nodes[I].Implicit;
  OS << "blast radius of " << Reported << " definition" << (Reported == 1 ? "" : "s") << ":\n";
  for (unsigned I : B.Set)
    if (A.G.Nodes[I].Project && !A.G.Nodes[I].Implicit)
      OS << "  " << where(A.G.Nodes[I].Where) << ": " << toString(statusOf(A, I)) << " "
         << toString(A.G.Nodes[I].Kind) << " '" << A.G.Nodes[I].Name << "'\n";
  if (!B.LiveEntries.empty()) {
    OS << "\nproduction entry points in the set (deleting them removes live behaviour):\n";
    for (unsigned I : B.LiveEntries)
      OS << "  " << describe(A, I) << "\n";
  }
  if (!B.LiveRefs.empty()) {
    OS << "\nlive code that still references the set (deleting it breaks the build):\n";
    printRefs(A, Q, B.LiveRefs, true, OS);
  }
  if (!B.TestRefs.empty()) {
    OS << "\ntest-only code that still references the set (update or delete these tests):\n";
    printRefs(A, Q, B.TestRefs, false, OS);
  }
  OS << "\ndead closure (can be deleted together with the set): " << B.Closure.size()
     << " definition" << (B.Closure.size() == 1 ? "" : "s") << "\n";
  for (unsigned I : B.Closure)
    OS << "  " << where(A.G.Nodes[I].Where) << ": " << toString(statusOf(A, I)) << " "
       << toString(A.G.Nodes[I].Kind) << " '" << A.G.Nodes[I].Name << "'\n";
  OS << "\n"
     << (B.breaksLive() ? "unsafe: live code still uses the set\n"
         : B.TestRefs.empty() ? "safe: no live or test code uses the set\n"
                              : "safe for production: only tests use the set\n");
}

} // namespace reach
