// Units of reach-audit fix that are pure functions: the unified diff, the
// "declares nothing" test for whole-file removal, CMake source lists, the
// bisection of a round that does not compile.
#include "fix/Bisect.h"
#include "fix/CMakeEdit.h"
#include "fix/Edits.h"
#include "fix/UnifiedDiff.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

using namespace reach;

TEST(UnifiedDiff, DeletionInTheMiddleHasContext) {
  std::string A = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
  std::string B = "1\n2\n3\n4\n6\n7\n8\n9\n";
  EXPECT_EQ(unifiedDiff("f.cpp", A, B, false),
            "--- a/f.cpp\n+++ b/f.cpp\n@@ -2,7 +2,6 @@\n 2\n 3\n 4\n-5\n 6\n 7\n 8\n");
}

TEST(UnifiedDiff, DistantChangesAreSeparateHunks) {
  std::string A, B;
  for (int I = 1; I <= 20; ++I) {
    A += std::to_string(I) + "\n";
    if (I != 2 && I != 18)
      B += std::to_string(I) + "\n";
  }
  std::string D = unifiedDiff("f", A, B, false);
  EXPECT_NE(D.find("@@ -1,5 +1,4 @@\n 1\n-2\n 3\n 4\n 5\n"), std::string::npos) << D;
  EXPECT_NE(D.find("@@ -15,6 +14,5 @@\n 15\n 16\n 17\n-18\n 19\n 20\n"), std::string::npos) << D;
}

TEST(UnifiedDiff, RemovedFileAndMissingNewline) {
  EXPECT_EQ(unifiedDiff("x.h", "a\nb", "", true),
            "--- a/x.h\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-a\n-b\n\\ No newline at end of file\n");
}

TEST(UnifiedDiff, IdenticalTextsHaveNoHunk) {
  EXPECT_EQ(unifiedDiff("f", "a\nb\n", "a\nb\n", false), "--- a/f\n+++ b/f\n");
}

TEST(DeclaresNothing, ScaffoldingOnly) {
  EXPECT_TRUE(declaresNothing("#pragma once\n// c\n#include <x>\nnamespace a::b {\n/* x */\n} // ns\n"));
  EXPECT_TRUE(declaresNothing("#ifndef G_H\n#define G_H\nextern \"C\" {\n}\n#endif\n"));
}

TEST(DeclaresNothing, DeclarationsAndMacrosAreContent) {
  EXPECT_FALSE(declaresNothing("#pragma once\nint live();\n"));
  EXPECT_FALSE(declaresNothing("#define LIMIT 4\n"));
  EXPECT_FALSE(declaresNothing("namespace a { using T = int; }\n"));
}

TEST(CMakeEdit, RemovesListedSourcesOnly) {
  std::string In = "add_library(core STATIC\n  a.cpp\n  old/b.cpp\n  ${GEN}/c.cpp)\n"
                   "add_executable(tool old/b.cpp main.cpp)\n"
                   "set(OTHER old/b.cpp)\n";
  std::string Out = removeSources(In, "src", {"src/old/b.cpp"});
  EXPECT_EQ(Out, "add_library(core STATIC\n  a.cpp\n  ${GEN}/c.cpp)\n"
                 "add_executable(tool main.cpp)\n"
                 "set(OTHER old/b.cpp)\n");
}

TEST(CMakeEdit, TargetNameIsNeverRemoved) {
  EXPECT_EQ(removeSources("add_executable(b.cpp b.cpp)\n", "", {"b.cpp"}), "add_executable(b.cpp)\n");
}

namespace {
void writeFile(const std::string &Path, const std::string &Text) {
  llvm::sys::fs::create_directories(llvm::sys::path::parent_path(Path));
  std::error_code EC;
  llvm::raw_fd_ostream(Path, EC) << Text;
}
} // namespace

// The CMakeLists.txt files edited are the project's own, found as the
// orphan search finds build files: not those of node_modules, of another
// CMake build tree under the root (a FetchContent checkout in it), or of
// the build folder given.
TEST(CMakeEdit, EditsOnlyTheProjectsOwnCMakeLists) {
  llvm::SmallString<128> Root;
  ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("reach-cmake-edit", Root));
  const std::string R(Root.str());
  writeFile(R + "/CMakeLists.txt", "add_library(core src/a.cpp src/b.cpp)\n");
  writeFile(R + "/tools/CMakeLists.txt", "add_executable(t ../src/a.cpp main.cpp)\n");
  writeFile(R + "/node_modules/pkg/CMakeLists.txt", "add_library(pkg ../../src/a.cpp)\n");
  writeFile(R + "/build2/CMakeCache.txt", "");
  writeFile(R + "/build2/_deps/d-src/CMakeLists.txt", "add_library(d ../../../src/a.cpp)\n");
  writeFile(R + "/build/CMakeLists.txt", "add_library(x ../src/a.cpp)\n");
  std::vector<std::string> Edited;
  for (const FileChange &C : editCMakeLists(R, R + "/build", {"src/a.cpp"}))
    Edited.push_back(C.Path);
  std::sort(Edited.begin(), Edited.end());
  EXPECT_EQ(Edited, (std::vector<std::string>{"CMakeLists.txt", "tools/CMakeLists.txt"}));
  llvm::sys::fs::remove_directories(R);
}

namespace {

/// A build where some units break compilation alone, and a pair breaks it
/// only together: the error names the lowest breaking unit by its number,
/// and quotes "u<N>" when Quote says the compiler would name it.
std::vector<CompileError> fakeCompile(const std::vector<size_t> &Units, const std::set<size_t> &Bad,
                                      std::pair<size_t, size_t> BadPair, unsigned &Calls, bool Quote = false) {
  ++Calls;
  std::set<size_t> In(Units.begin(), Units.end());
  std::vector<CompileError> Errors;
  for (size_t U : In)
    if (Bad.count(U))
      Errors.push_back({"breaks: " + std::to_string(U), Quote ? std::vector<std::string>{"u" + std::to_string(U)}
                                                              : std::vector<std::string>{}});
  if (In.count(BadPair.first) && In.count(BadPair.second))
    Errors.push_back({"breaks: pair", {}});
  return Errors;
}

std::vector<UnitNames> unitNames(size_t N) {
  std::vector<UnitNames> Names(N);
  for (size_t U = 0; U < N; ++U)
    Names[U].Identifiers = {"u" + std::to_string(U)};
  return Names;
}

} // namespace

TEST(Bisect, KeepsEveryUnitThatBuildsAndNamesEachBreakingOne) {
  // 12 units over 4 files; 5 and 9 break alone, 1 and 2 only together; the
  // errors quote no names, so all is found by halving.
  std::vector<std::vector<size_t>> ByFile = {{0, 1, 2}, {3, 4, 5}, {6, 7, 8}, {9, 10, 11}};
  unsigned Calls = 0;
  auto Compile = [&](const std::vector<size_t> &U) { return fakeCompile(U, {5, 9}, {1, 2}, Calls); };
  BisectResult R = keepWhatCompiles(ByFile, unitNames(12), UnitUses(12), {{"breaks: 5", {}}}, Compile);
  std::set<size_t> Accepted(R.Accepted.begin(), R.Accepted.end());
  EXPECT_EQ(Accepted, (std::set<size_t>{0, 1, 3, 4, 6, 7, 8, 10, 11}));
  ASSERT_EQ(R.Rejected.size(), 3u);
  std::map<size_t, std::string> Rejected(R.Rejected.begin(), R.Rejected.end());
  EXPECT_EQ(Rejected[2], "breaks: pair");
  EXPECT_EQ(Rejected[5], "breaks: 5");
  EXPECT_EQ(Rejected[9], "breaks: 9");
  EXPECT_EQ(R.Checks, Calls);
  EXPECT_EQ(R.Blamed, 0u);
  EXPECT_LT(Calls, 12u * 2) << "halving, not one compilation per unit and more";
  // What is accepted compiles as a whole.
  unsigned Again = 0;
  EXPECT_TRUE(fakeCompile(R.Accepted, {5, 9}, {1, 2}, Again).empty());
}

TEST(Bisect, OneBadUnitAmongManyTakesLogarithmicChecks) {
  std::vector<std::vector<size_t>> ByFile;
  for (size_t F = 0; F < 64; ++F)
    ByFile.push_back({2 * F, 2 * F + 1});
  unsigned Calls = 0;
  auto Compile = [&](const std::vector<size_t> &U) { return fakeCompile(U, {77}, {1000, 1001}, Calls); };
  BisectResult R = keepWhatCompiles(ByFile, unitNames(128), UnitUses(128), {{"breaks: 77", {}}}, Compile);
  EXPECT_EQ(R.Accepted.size(), 127u);
  ASSERT_EQ(R.Rejected.size(), 1u);
  EXPECT_EQ(R.Rejected[0].first, 77u);
  EXPECT_LE(Calls, 2u * (6 + 1)); // at most two per halving: log2(64 files) + log2(2 units)
}

TEST(Bisect, UnitsTheErrorsNameAreRejectedWithOneCompilation) {
  // 400 units, three break and the compiler names them: one compilation
  // confirms that the rest builds, where halving would take dozens.
  std::vector<std::vector<size_t>> ByFile;
  for (size_t F = 0; F < 100; ++F)
    ByFile.push_back({4 * F, 4 * F + 1, 4 * F + 2, 4 * F + 3});
  unsigned Calls = 0;
  std::set<size_t> Bad = {17, 250, 399};
  auto Compile = [&](const std::vector<size_t> &U) { return fakeCompile(U, Bad, {1000, 1001}, Calls, true); };
  std::vector<size_t> All;
  for (size_t U = 0; U < 400; ++U)
    All.push_back(U);
  unsigned First = 0;
  BisectResult R =
      keepWhatCompiles(ByFile, unitNames(400), UnitUses(400), fakeCompile(All, Bad, {1000, 1001}, First, true), Compile);
  EXPECT_EQ(Calls, 1u);
  EXPECT_EQ(R.Checks, 1u);
  EXPECT_EQ(R.Blamed, 3u);
  EXPECT_EQ(R.Accepted.size(), 397u);
  std::map<size_t, std::string> Rejected(R.Rejected.begin(), R.Rejected.end());
  EXPECT_EQ(Rejected, (std::map<size_t, std::string>{{17, "breaks: 17"}, {250, "breaks: 250"}, {399, "breaks: 399"}}));
}

TEST(Bisect, WhatTheErrorsDoNotNameIsBisected) {
  // Unit 3 is named; the pair 8+9 breaks with an error that names nothing.
  std::vector<std::vector<size_t>> ByFile = {{0, 1, 2, 3}, {4, 5, 6, 7}, {8, 9, 10, 11}};
  unsigned Calls = 0;
  auto Compile = [&](const std::vector<size_t> &U) { return fakeCompile(U, {3}, {8, 9}, Calls, true); };
  BisectResult R =
      keepWhatCompiles(ByFile, unitNames(12), UnitUses(12), {{"breaks: 3", {"u3"}}, {"breaks: pair", {}}}, Compile);
  std::map<size_t, std::string> Rejected(R.Rejected.begin(), R.Rejected.end());
  EXPECT_EQ(Rejected, (std::map<size_t, std::string>{{3, "breaks: 3"}, {9, "breaks: pair"}}));
  EXPECT_EQ(R.Blamed, 1u);
  unsigned Again = 0;
  EXPECT_TRUE(fakeCompile(R.Accepted, {3}, {8, 9}, Again).empty());
  EXPECT_EQ(R.Accepted.size(), 10u);
}

namespace {

/// A build where deleting a used unit breaks while any of its users stays
/// ("u1 used by u6"), and the units in Bad break alone.
std::vector<CompileError> usesCompile(const std::vector<size_t> &Units, const UnitUses &Uses,
                                      const std::set<size_t> &Bad) {
  std::set<size_t> In(Units.begin(), Units.end());
  std::vector<CompileError> Errors;
  for (size_t U = 0; U < Uses.size(); ++U)
    for (size_t Used : Uses[U])
      if (In.count(Used) && !In.count(U))
        Errors.push_back({"u" + std::to_string(Used) + " used by u" + std::to_string(U), {}});
  for (size_t U : In)
    if (Bad.count(U))
      Errors.push_back({"breaks: " + std::to_string(U), {}});
  return Errors;
}

} // namespace

// A dead function and its dead caller sit in different halves (files): tried
// apart, the callee's deletion fails while the caller stays. Bisection keeps
// a unit with its users, so both go; only the unit that breaks alone stays.
TEST(Bisect, AUnitIsTriedWithTheUnitsThatUseIt) {
  std::vector<std::vector<size_t>> ByFile = {{0, 1, 2, 3}, {4, 5, 6, 7}};
  UnitUses Uses(8);
  Uses[6] = {1}; // 6 calls 1
  Uses[7] = {6}; // 7 calls 6
  auto Compile = [&](const std::vector<size_t> &U) { return usesCompile(U, Uses, {5}); };
  std::vector<size_t> All = {0, 1, 2, 3, 4, 5, 6, 7};
  BisectResult R = keepWhatCompiles(ByFile, unitNames(8), Uses, Compile(All), Compile);
  std::set<size_t> Accepted(R.Accepted.begin(), R.Accepted.end());
  EXPECT_EQ(Accepted, (std::set<size_t>{0, 1, 2, 3, 4, 6, 7}));
  std::map<size_t, std::string> Rejected(R.Rejected.begin(), R.Rejected.end());
  EXPECT_EQ(Rejected, (std::map<size_t, std::string>{{5, "breaks: 5"}}));
  EXPECT_TRUE(Compile(R.Accepted).empty());
}

// When a user breaks alone it stays, and so must what it uses: the units
// of a failing group are tried one by one, each after its users.
TEST(Bisect, WhatAKeptUnitUsesIsKeptToo) {
  std::vector<std::vector<size_t>> ByFile = {{0, 1}, {2, 3}};
  UnitUses Uses(4);
  Uses[3] = {0}; // 3 uses 0, and 3 breaks alone
  auto Compile = [&](const std::vector<size_t> &U) { return usesCompile(U, Uses, {3}); };
  BisectResult R = keepWhatCompiles(ByFile, unitNames(4), Uses, Compile({0, 1, 2, 3}), Compile);
  std::set<size_t> Accepted(R.Accepted.begin(), R.Accepted.end());
  EXPECT_EQ(Accepted, (std::set<size_t>{1, 2}));
  std::map<size_t, std::string> Rejected(R.Rejected.begin(), R.Rejected.end());
  EXPECT_EQ(Rejected, (std::map<size_t, std::string>{{0, "u0 used by u3"}, {3, "breaks: 3"}}));
}

// The round's first errors may name none of its units (they come from the
// first broken TU), while a failing half's errors do: each failing part is
// blamed by its own errors before it is halved further.
TEST(Bisect, AFailingPartIsBlamedByItsOwnErrors) {
  std::vector<std::vector<size_t>> ByFile;
  for (size_t F = 0; F < 32; ++F)
    ByFile.push_back({2 * F, 2 * F + 1});
  unsigned Calls = 0;
  auto Compile = [&](const std::vector<size_t> &U) { return fakeCompile(U, {17, 40}, {1000, 1001}, Calls, true); };
  BisectResult R = keepWhatCompiles(ByFile, unitNames(64), UnitUses(64), {{"an error naming nothing", {}}}, Compile);
  std::map<size_t, std::string> Rejected(R.Rejected.begin(), R.Rejected.end());
  EXPECT_EQ(Rejected, (std::map<size_t, std::string>{{17, "breaks: 17"}, {40, "breaks: 40"}}));
  EXPECT_EQ(R.Accepted.size(), 62u);
  EXPECT_EQ(R.Blamed, 2u);
  EXPECT_EQ(Calls, 4u) << "each half: one trial that names its culprit, one that confirms the rest";
}

TEST(Bisect, ErrorsNameDefinitionsByIdentifierAndFilesByTheirSpelling) {
  std::vector<UnitNames> Names = {{{"helper"}, ""}, {{"Log"}, ""}, {{}, "compat/getopt.h"}, {{}, "x/getopt.h"},
                                  {{"help"}, ""}};
  std::vector<CompileError> Errors = {
      {"a.cpp:3:9: error: no member named 'helper' in 'ns::Util<int>'", {"helper", "ns::Util<int>"}},
      {"b.cpp:1:10: fatal error: '../compat/getopt.h' file not found", {"../compat/getopt.h"}},
      {"c.cpp:2:1: error: unknown type name 'Log'", {"Log"}}};
  auto Blamed = blameByName({0, 1, 2, 3, 4}, Names, Errors);
  std::map<size_t, std::string> M(Blamed.begin(), Blamed.end());
  ASSERT_EQ(M.size(), 3u) << "'help' is not 'helper', x/getopt.h is not compat/getopt.h";
  EXPECT_EQ(M[0], Errors[0].Message);
  EXPECT_EQ(M[2], Errors[1].Message);
  EXPECT_EQ(M[1], Errors[2].Message);
}

// An error about a deleted operator quotes the operands' types, not the
// operator: an operator is also named by its class (or namespace), so the
// deletion is blamed in one compilation instead of bisected. Other members
// are named by their own name only.
TEST(Bisect, AnOperatorIsNamedByItsScope) {
  std::vector<UnitNames> Names(4);
  addNamesOf("jinja::value_t::operator!=", Names[0]);
  addNamesOf("jinja::operator==", Names[1]);
  addNamesOf("jinja::value_t::as_string", Names[2]);
  addNamesOf("ns::Util<int>::helper", Names[3]);
  EXPECT_EQ(Names[0].Identifiers, (std::vector<std::string>{"operator!=", "value_t"}));
  EXPECT_EQ(Names[1].Identifiers, (std::vector<std::string>{"operator==", "jinja"}));
  EXPECT_EQ(Names[3].Identifiers, (std::vector<std::string>{"helper"}));
  std::vector<CompileError> Errors = {
      {"value.h:204:23: error: invalid operands to binary expression ('element_type' (aka 'jinja::value_t') and "
       "'element_type')",
       {"element_type", "jinja::value_t", "element_type"}}};
  auto Blamed = blameByName({0, 1, 2, 3}, Names, Errors);
  ASSERT_EQ(Blamed.size(), 2u) << "the two operators, not as_string nor helper";
  EXPECT_EQ(Blamed[0].first, 0u);
  EXPECT_EQ(Blamed[1].first, 1u);
}
