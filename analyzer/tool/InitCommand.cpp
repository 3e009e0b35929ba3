// reach-audit init: writes a starting reach.yaml from the build, a guess
// per rule with its reason (init/Guess.h), for the user to check and edit.
#include "init/CMakeFileApi.h"
#include "init/Guess.h"
#include "rules/Rules.h"
#include "tool/Commands.h"
#include "tool/LoadProject.h"

#include "clang/Tooling/CompilationDatabase.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <set>

using namespace llvm;

namespace reach {

namespace {

cl::SubCommand InitCmd("init", "Write a starting reach.yaml guessed from the build (programs, tests, fuzzers, benchmarks)");
cl::opt<std::string> Output("output", cl::desc("Where to write (default: ROOT/reach.yaml)"), cl::value_desc("FILE"),
                            cl::sub(InitCmd));
cl::opt<bool> Force("force", cl::desc("Overwrite an existing rules file"), cl::sub(InitCmd));

/// The database's sources under Root, with their text.
std::optional<std::vector<SourceFile>> builtSources(const std::string &BuildDir, const std::string &Root) {
  std::unique_ptr<clang::tooling::CompilationDatabase> DB = openDatabase(BuildDir);
  if (!DB)
    return std::nullopt;
  std::set<std::string> Seen;
  std::vector<SourceFile> Sources;
  for (const std::string &F : DB->getAllFiles()) {
    SmallString<256> Real;
    if (sys::fs::real_path(F, Real))
      continue; // listed but not on disk: scan reports it
    StringRef Rel = Real;
    if (!Rel.consume_front(Root + "/") || !Seen.insert(Rel.str()).second)
      continue;
    auto Buf = MemoryBuffer::getFile(Real);
    Sources.push_back({Rel.str(), Buf ? (*Buf)->getBuffer().str() : ""});
  }
  return Sources;
}

int runInit(const CommonOptions &Common) {
  std::string Root = absolutePath(Common.Root.empty() ? "." : Common.Root);
  std::string Out = Output.empty() ? Root + "/reach.yaml" : std::string(Output);
  if (sys::fs::exists(Out) && !Force) {
    errs() << "reach-audit: error: " << Out << " exists; edit it, or pass --force to replace it\n";
    return ExitUsage;
  }
  std::optional<std::vector<SourceFile>> Sources = builtSources(Common.BuildPath, Root);
  if (!Sources)
    return ExitUsage;
  if (Sources->empty()) {
    errs() << "reach-audit: error: no compile command in " << Common.BuildPath << " builds a file under " << Root
           << "; check -p and --root\n";
    return ExitUsage;
  }
  std::string Error;
  std::optional<std::vector<BuildTarget>> Targets = readCMakeTargets(Common.BuildPath, Root, Error);
  if (!Error.empty())
    errs() << "reach-audit: warning: " << Error << "; guessing from the sources alone\n";
  else if (!Targets && sys::fs::exists(Common.BuildPath + "/CMakeCache.txt")) {
    // Ask CMake for its targets at the next configure.
    sys::fs::create_directories(sys::path::parent_path(cmakeQueryPath(Common.BuildPath)));
    std::error_code EC;
    raw_fd_ostream(cmakeQueryPath(Common.BuildPath), EC);
    errs() << "reach-audit: note: a CMake build without file API replies; asked for them in "
           << cmakeQueryPath(Common.BuildPath) << ": re-run cmake on " << Common.BuildPath
           << " and init again for targets and CTest's tests\n";
  }
  Guesses G = guessRules(*Sources, Targets.value_or(std::vector<BuildTarget>{}));
  std::string Text = renderRules(G);
  std::string ParseError;
  if (!parseRules(Text, Out, ParseError)) { // a bug here, not the user's input
    errs() << "reach-audit: error: init wrote rules it cannot read: " << ParseError << "\n";
    return ExitUsage;
  }
  std::error_code EC;
  raw_fd_ostream OS(Out, EC);
  if (EC) {
    errs() << "reach-audit: error: cannot write " << Out << ": " << EC.message() << "\n";
    return ExitUsage;
  }
  OS << Text;
  OS.close();
  if (OS.has_error()) {
    OS.clear_error();
    errs() << "reach-audit: error: writing " << Out << " failed\n";
    return ExitUsage;
  }
  outs() << "reach-audit: wrote " << Out << ": " << G.Programs.size() << " program(s), " << G.Tests.size()
         << " test path(s)" << (G.FromCMake ? " (targets from CMake's file API)" : "")
         << "; check each guess, then run reach-audit scan -p " << Common.BuildPath << "\n";
  return ExitOk;
}

} // namespace

Command initCommand() { return {&InitCmd, runInit}; }

} // namespace reach
