#include "ProgramHarness.h"

#include "extract/Runner.h"
#include "rules/Rules.h"

#include "clang/Tooling/CompilationDatabase.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <gtest/gtest.h>

#include <fstream>
#include <stdexcept>

namespace reach::test {

namespace {

const std::map<std::string, Status> kMarkers = {
    {"$live^", Status::Live}, {"$dead^", Status::Dead}, {"$test^", Status::TestOnly}};

/// Removes the markers from Code and records where each one stood.
std::string stripMarkers(const std::string &File, const std::string &Code, std::vector<Mark> &Marks) {
  std::string Out;
  unsigned Line = 1, Column = 1;
  for (size_t I = 0; I < Code.size();) {
    bool Marker = false;
    for (const auto &[Text, S] : kMarkers)
      if (Code.compare(I, Text.size(), Text) == 0) {
        Marks.push_back({File, Line, Column, S, Text});
        I += Text.size();
        Marker = true;
        break;
      }
    if (Marker)
      continue;
    Out += Code[I];
    if (Code[I] == '\n') {
      ++Line;
      Column = 1;
    } else {
      ++Column;
    }
    ++I;
  }
  return Out;
}

void writeFile(const std::string &Path, const std::string &Text) {
  llvm::sys::fs::create_directories(llvm::sys::path::parent_path(Path));
  std::ofstream F(Path, std::ios::binary);
  F << Text;
  if (!F)
    throw std::runtime_error("cannot write " + Path);
}

std::string makeRoot() {
  llvm::SmallString<128> Dir;
  if (llvm::sys::fs::createUniqueDirectory("reach-harness", Dir))
    throw std::runtime_error("cannot create a temporary folder");
  llvm::SmallString<128> Real;
  llvm::sys::fs::real_path(Dir, Real);
  return std::string(Real);
}

} // namespace

Program analyzeProgram(const std::map<std::string, std::string> &Files, const ProgramOptions &Opts) {
  Program P;
  const std::string Folder = makeRoot();
  P.Root = Opts.Root.empty() ? Folder : Folder + "/" + Opts.Root;
  const std::string Prefix = Opts.Root.empty() ? "" : Opts.Root + "/";
  std::vector<std::string> Compiled;
  for (const auto &[Rel, Annotated] : Files) {
    llvm::StringRef InRoot(Rel);
    InRoot.consume_front(Prefix);
    writeFile(Folder + "/" + Rel, stripMarkers(InRoot.str(), Annotated, P.Marks));
    bool IsTU = Opts.Compiled.empty() ? llvm::StringRef(Rel).ends_with(".cpp")
                                      : std::find(Opts.Compiled.begin(), Opts.Compiled.end(), Rel) !=
                                            Opts.Compiled.end();
    if (IsTU)
      Compiled.push_back(Folder + "/" + Rel);
  }
  std::vector<std::string> Args;
  for (std::string A : Opts.Args) {
    if (size_t At = A.find("%t"); At != std::string::npos)
      A.replace(At, 2, Folder);
    Args.push_back(A);
  }
  std::string Error;
  std::optional<Rules> R = parseRules(Opts.Rules, "reach.yaml", Error);
  if (!R)
    throw std::runtime_error(Error);
  clang::tooling::FixedCompilationDatabase DB(Folder, Args);
  RunOptions Run;
  Run.Root = P.Root;
  Run.Jobs = 1;
  AnalysisInput In;
  In.Root = P.Root;
  In.R = std::move(*R);
  In.TUs = extractAll(DB, Compiled, Run);
  for (const TUSummary &TU : In.TUs) {
    if (TU.Failed)
      throw std::runtime_error("the test program does not compile: " + TU.FirstError);
    In.Built.insert(TU.FilesSeen.begin(), TU.FilesSeen.end());
  }
  P.A = analyze(std::move(In));
  llvm::sys::fs::remove_directories(Folder);
  return P;
}

int Program::nodeAt(const Mark &M) const {
  for (unsigned I = 0; I < A.G.Nodes.size(); ++I) {
    const Loc &W = A.G.Nodes[I].Where;
    if (W.File == M.File && W.Line == M.Line && W.Column == M.Column)
      return int(I);
  }
  return -1;
}

int Program::node(const std::string &Name) const {
  int Found = -1;
  for (unsigned I = 0; I < A.G.Nodes.size(); ++I)
    if (A.G.Nodes[I].Name == Name && A.G.Nodes[I].Project) {
      if (Found >= 0)
        return -1;
      Found = int(I);
    }
  return Found;
}

Status Program::status(const std::string &Name) const {
  int Id = node(Name);
  if (Id < 0)
    throw std::runtime_error("no single definition named " + Name);
  for (const SymbolVerdict &V : A.Symbols)
    if (V.Id == unsigned(Id))
      return V.S;
  return Status::Unknown;
}

bool Program::hasEdge(const std::string &From, const std::string &To, EdgeKind K) const {
  int F = node(From), T = node(To);
  if (F < 0 || T < 0)
    return false;
  for (const GraphEdge &E : A.G.Out[unsigned(F)])
    if (E.To == unsigned(T) && E.Kind == K)
      return true;
  return false;
}

void expectMarkedVerdicts(const Program &P) {
  ASSERT_FALSE(P.Marks.empty()) << "the program marks no definition: the test would assert nothing";
  for (const Mark &M : P.Marks) {
    int Id = P.nodeAt(M);
    std::string Where = M.File + ":" + std::to_string(M.Line) + ":" + std::to_string(M.Column);
    if (Id < 0) {
      ADD_FAILURE() << M.Text << " at " << Where << " marks no definition's name";
      continue;
    }
    Status Got = Status::Unknown;
    for (const SymbolVerdict &V : P.A.Symbols)
      if (V.Id == unsigned(Id))
        Got = V.S;
    EXPECT_EQ(toString(Got), std::string(toString(M.Expected)))
        << P.A.G.Nodes[unsigned(Id)].Name << " at " << Where;
  }
}

} // namespace reach::test
