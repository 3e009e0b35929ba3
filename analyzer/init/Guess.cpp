#include "init/Guess.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Regex.h"

#include <algorithm>
#include <set>

namespace reach {

namespace {

/// Folder names test code lives in, as the common layouts name them.
bool isTestFolderName(llvm::StringRef Name) {
  std::string L = Name.lower();
  return L == "test" || L == "tests" || L == "testing" || L == "unittest" || L == "unittests" ||
         L == "fuzz" || L == "fuzzing" || L == "fuzzers" || L == "bench" || L == "benchmark" ||
         L == "benchmarks";
}

bool definesMain(llvm::StringRef Text) {
  static const llvm::Regex Main("(^|\n)[ \t]*(int|auto)[ \t]+main[ \t]*\\(");
  return Main.match(Text);
}

std::string parentOf(const std::string &Path) { return llvm::sys::path::parent_path(Path).str(); }

/// The highest folder above File (itself included) under which every
/// built source is test code; "" when File's own folder also builds
/// production code (the file is then named alone).
std::string testFolderOf(const std::string &File, const std::set<std::string> &Production) {
  auto HasProduction = [&](const std::string &Dir) {
    std::string Prefix = Dir.empty() ? "" : Dir + "/";
    auto It = Production.lower_bound(Prefix);
    return It != Production.end() && llvm::StringRef(*It).starts_with(Prefix);
  };
  std::string Best;
  for (std::string Dir = parentOf(File); !Dir.empty() && !HasProduction(Dir); Dir = parentOf(Dir))
    Best = Dir;
  return Best;
}

/// Test files grouped into folder globs where a folder holds only tests.
std::vector<TestGuess> groupTests(const std::map<std::string, std::string> &TestWhy,
                                  const std::set<std::string> &Production) {
  std::map<std::string, std::string> Globs; // glob -> why (the first file's)
  for (const auto &[File, Why] : TestWhy) {
    std::string Folder = testFolderOf(File, Production);
    std::string Glob = Folder.empty() ? File : Folder + "/**";
    Globs.emplace(Glob, Folder.empty() ? Why : Why + ", and every source built under " + Folder + "/ is test code");
  }
  std::vector<TestGuess> Out;
  for (auto &[Glob, Why] : Globs)
    Out.push_back({Glob, Why});
  return Out;
}

} // namespace

std::string testEvidence(const SourceFile &F) {
  llvm::StringRef T = F.Text;
  if (T.contains("LLVMFuzzerTestOneInput"))
    return "a fuzz target (defines LLVMFuzzerTestOneInput)";
  if (T.contains("<gtest/gtest.h>") || T.contains("<gmock/gmock.h>"))
    return "a GoogleTest test (includes <gtest/gtest.h>)";
  if (T.contains("<catch2/") || T.contains("\"catch.hpp\"") || T.contains("<catch.hpp>"))
    return "a Catch2 test";
  if (T.contains("<doctest/doctest.h>") || T.contains("\"doctest.h\""))
    return "a doctest test";
  if (T.contains("<boost/test/"))
    return "a Boost.Test test";
  if (T.contains("<benchmark/benchmark.h>"))
    return "a Google Benchmark program (includes <benchmark/benchmark.h>)";
  for (auto It = llvm::sys::path::begin(F.Path), End = llvm::sys::path::end(F.Path); It != End; ++It)
    if (std::next(It) != End && isTestFolderName(*It))
      return "in a " + It->str() + "/ folder";
  llvm::StringRef Stem = llvm::sys::path::stem(F.Path);
  if (Stem.ends_with("_test") || Stem.ends_with("_tests") || Stem.ends_with("_unittest") ||
      Stem.starts_with("test_") || Stem.ends_with("Test") || Stem.ends_with("Tests"))
    return "named like a test (" + llvm::sys::path::filename(F.Path).str() + ")";
  return "";
}

Guesses guessRules(const std::vector<SourceFile> &Sources, const std::vector<BuildTarget> &Targets) {
  Guesses G;
  G.FromCMake = !Targets.empty();
  std::map<std::string, std::string> TestWhy; // file -> evidence
  std::set<std::string> Production;
  std::set<std::string> InOtherTargets; // a source a test shares with a program is the program's
  for (const BuildTarget &T : Targets)
    if (!T.IsTest)
      InOtherTargets.insert(T.Sources.begin(), T.Sources.end());
  for (const BuildTarget &T : Targets) {
    if (T.Type == "SHARED_LIBRARY")
      G.SharedLibraries.push_back(T.Name);
    if (T.IsTest)
      for (const std::string &S : T.Sources)
        if (!InOtherTargets.count(S))
          TestWhy.emplace(S, "a source of " + T.Name + ", which CTest runs");
  }
  for (const SourceFile &F : Sources) {
    if (std::string Why = testEvidence(F); !Why.empty())
      TestWhy.emplace(F.Path, Why);
    else if (!TestWhy.count(F.Path))
      Production.insert(F.Path);
  }
  for (const SourceFile &F : Sources)
    if (!TestWhy.count(F.Path) && definesMain(F.Text)) {
      std::string Program = llvm::sys::path::stem(F.Path).str();
      for (const BuildTarget &T : Targets)
        if (T.Type == "EXECUTABLE" && std::count(T.Sources.begin(), T.Sources.end(), F.Path))
          Program = T.Name;
      G.Programs.push_back(Program + " (" + F.Path + ")");
    }
  std::sort(G.Programs.begin(), G.Programs.end());
  G.Tests = groupTests(TestWhy, Production);
  return G;
}

std::string renderRules(const Guesses &G) {
  std::string Y = "# reach.yaml, written by `reach-audit init` from the build";
  Y += G.FromCMake ? " (targets from CMake's file API).\n" : ".\n";
  Y += "# Every rule below is a guess with its reason: check each, then run\n"
       "# `reach-audit scan -p BUILD`; a rule that matches nothing is an error there.\n"
       "entries:";
  Y += G.Programs.empty() ? " []\n" : "\n";
  if (G.Programs.empty())
    Y += "  # no source of this build defines main: name the library's entry points,\n"
         "  # e.g. its public headers (- header: include/**) or exports (- exported: true)\n";
  else {
    Y += "  - function: main\n";
    for (const std::string &P : G.Programs)
      Y += "    # program " + P + "\n";
  }
  for (const std::string &L : G.SharedLibraries)
    Y += "  # - exported: true   # " + L + " is a shared library: what it exports is its API\n";
  Y += "  # Entry points no guess can see: handlers registered through a call,\n"
       "  # commands in a table, annotated exports, e.g.\n"
       "  # - registered-by: register_handler\n"
       "  # - annotation: my_project::export\n";
  if (!G.Tests.empty()) {
    Y += "tests:\n";
    for (const TestGuess &T : G.Tests)
      Y += "  - path: \"" + T.Glob + "\"\n    # " + T.Why + "\n";
  }
  Y += "# keep:\n"
       "#   - symbol: my_project::kept_for_abi\n"
       "#     reason: called by plugins built elsewhere\n";
  return Y;
}

} // namespace reach
