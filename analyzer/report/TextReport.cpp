#include "report/TextReport.h"

#include "llvm/Support/raw_ostream.h"

#include <map>

namespace reach {

static void printGroup(const Analysis &A, Status S, const char *Title, llvm::raw_ostream &OS) {
  std::string Current;
  bool Any = false;
  for (const SymbolVerdict &V : A.Symbols) {
    if (V.S != S || V.Vendored)
      continue;
    const Node &N = A.G.Nodes[V.Id];
    if (!Any)
      OS << "\n" << Title << ":\n";
    Any = true;
    if (N.Where.File != Current) {
      Current = N.Where.File;
      OS << Current << "\n";
    }
    OS << "  " << N.Where.File << ":" << N.Where.Line << ": " << toString(S) << " "
       << toString(N.Kind) << " '" << N.Name << "'";
    if (!V.UnknownWhy.empty())
      OS << ": " << V.UnknownWhy;
    OS << "\n";
  }
}

/// Vendored libraries, one line each: what is dead in them is their
/// business until the rules say otherwise (`vendor:`), so it is a count.
static void printVendored(const Analysis &A, llvm::raw_ostream &OS) {
  struct Counts { size_t Dead = 0, TestOnly = 0, Live = 0, Orphaned = 0; };
  std::map<std::string, Counts> ByLibrary;
  for (const SymbolVerdict &V : A.Symbols)
    if (V.Vendored) {
      Counts &C = ByLibrary[A.RulesUsed.vendoredLibrary(A.G.Nodes[V.Id].Where.File)];
      V.S == Status::Dead ? ++C.Dead : V.S == Status::TestOnly ? ++C.TestOnly : ++C.Live;
    }
  for (const FileVerdict &F : A.Files)
    if (F.Vendored && F.S == Status::Orphaned)
      ++ByLibrary[A.RulesUsed.vendoredLibrary(F.Path)].Orphaned;
  if (ByLibrary.empty())
    return;
  OS << "\nvendored code (reported apart; `fix` leaves it unless --include-vendored):\n";
  for (const auto &[Library, C] : ByLibrary)
    OS << "  " << Library << ": " << C.Live << " live, " << C.TestOnly << " test-only, " << C.Dead
       << " dead definitions, " << C.Orphaned << " orphaned files\n";
}

void printTextReport(const Analysis &A, llvm::raw_ostream &OS) {
  OS << "reach-audit: " << A.TranslationUnits << " translation units, " << A.Symbols.size()
     << " definitions\n";
  OS << "  live: " << A.count(Status::Live) << "  test-only: " << A.count(Status::TestOnly)
     << "  dead: " << A.count(Status::Dead) << "  orphaned files: " << A.orphanCount();
  if (size_t U = A.count(Status::Unknown))
    OS << "  unknown: " << U;
  OS << "\n";
  printGroup(A, Status::Dead, "dead code", OS);
  printGroup(A, Status::TestOnly, "test-only code", OS);
  printGroup(A, Status::Unknown, "unknown (not called dead: code this analysis could not read may use it)", OS);
  bool Any = false;
  for (const FileVerdict &F : A.Files) {
    if (F.S != Status::Orphaned || F.Vendored)
      continue;
    if (!Any)
      OS << "\norphaned files (built by no compile command):\n";
    Any = true;
    OS << "  " << F.Path << ": orphaned file\n";
  }
  Any = false;
  for (const FileVerdict &F : A.Files) {
    if (F.S != Status::UnbuiltHere || F.Vendored)
      continue;
    if (!Any)
      OS << "\nunbuilt here (not built by this build, but named by it; never removed):\n";
    Any = true;
    OS << "  " << F.Path << ": unbuilt-here file: " << F.Why << "\n";
  }
  Any = false;
  for (const FileVerdict &F : A.Files) {
    if ((F.S != Status::Dead && F.S != Status::TestOnly) || F.Vendored)
      continue;
    if (!Any)
      OS << "\nfiles:\n";
    Any = true;
    OS << "  " << F.Path << ": " << toString(F.S) << " file\n";
  }
  printVendored(A, OS);
}

} // namespace reach
