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

/// Test-only code, a line per file: a test helper library is expected to be
/// test-only, so each of its definitions on a line buries the dead code.
static void printTestOnlyByFile(const Analysis &A, llvm::raw_ostream &OS) {
  std::map<std::string, std::vector<std::string>> ByFile;
  for (const SymbolVerdict &V : A.Symbols)
    if (V.S == Status::TestOnly && !V.Vendored)
      ByFile[A.G.Nodes[V.Id].Where.File].push_back(A.G.Nodes[V.Id].Name);
  if (ByFile.empty())
    return;
  OS << "\ntest-only code (reached only from tests; --verbose lists each definition):\n";
  for (const auto &[File, Names] : ByFile) {
    OS << "  " << File << ": " << Names.size() << " test-only definition" << (Names.size() == 1 ? "" : "s")
       << " (";
    for (size_t I = 0; I < Names.size() && I < 3; ++I)
      OS << (I ? ", " : "") << "'" << Names[I] << "'";
    OS << (Names.size() > 3 ? ", ...)\n" : ")\n");
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

void printTextReport(const Analysis &A, llvm::raw_ostream &OS, bool Verbose) {
  OS << "reach-audit: " << A.TranslationUnits << " translation units, " << A.Symbols.size()
     << " definitions\n";
  OS << "  live: " << A.count(Status::Live) << "  test-only: " << A.count(Status::TestOnly)
     << "  dead: " << A.count(Status::Dead) << "  orphaned files: " << A.orphanCount();
  if (size_t U = A.count(Status::Unknown))
    OS << "  unknown: " << U;
  OS << "\n";
  printGroup(A, Status::Dead, "dead code", OS);
  if (Verbose)
    printGroup(A, Status::TestOnly, "test-only code", OS);
  else
    printTestOnlyByFile(A, OS);
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

void printCompilerDiagnostics(const Analysis &A, llvm::raw_ostream &OS) {
  // Test-only code in the tests' own files is what tests are: no finding.
  auto InTests = [&](Status S, const std::string &File) {
    return S == Status::TestOnly && A.RulesUsed.isTestFile(File);
  };
  for (const SymbolVerdict &V : A.Symbols) {
    if (V.Vendored || (V.S != Status::Dead && V.S != Status::TestOnly && V.S != Status::Unknown))
      continue;
    const Node &N = A.G.Nodes[V.Id];
    if (InTests(V.S, N.Where.File))
      continue;
    OS << A.Root << "/" << N.Where.File << ":" << N.Where.Line << ":" << N.Where.Column << ": "
       << (V.S == Status::Unknown ? "note" : "warning") << ": " << toString(V.S) << " " << toString(N.Kind)
       << " '" << N.Name << "'";
    if (V.S == Status::TestOnly)
      OS << ": reached only from tests";
    if (!V.UnknownWhy.empty())
      OS << ": " << V.UnknownWhy;
    OS << " [reach-" << toString(V.S) << "]\n";
  }
  for (const FileVerdict &F : A.Files)
    if (!F.Vendored && (F.S == Status::Orphaned || F.S == Status::Dead || F.S == Status::TestOnly) &&
        !InTests(F.S, F.Path))
      OS << A.Root << "/" << F.Path << ":1:1: warning: " << toString(F.S) << " file"
         << (F.S == Status::Orphaned ? ": built by no compile command" : "") << " [reach-" << toString(F.S)
         << "]\n";
}

} // namespace reach
