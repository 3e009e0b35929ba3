// `reach-audit init`: a starting reach.yaml guessed from the build. Plain
// data in (the sources the compile database builds, their text, and the
// targets CMake's file API describes when the build has them), plain
// guesses out, each with the reason a person needs to check it; rendering
// them as YAML is the last step.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace reach {

/// One target of the build as CMake's file API gives it.
struct BuildTarget {
  std::string Name;
  std::string Type;                 // "EXECUTABLE", "SHARED_LIBRARY", ...
  std::vector<std::string> Sources; // root-relative
  bool IsTest = false;              // run by CTest (add_test, gtest_discover_tests)
};

struct SourceFile {
  std::string Path; // root-relative
  std::string Text;
};

/// A file (or a folder glob) and why it is a test root.
struct TestGuess {
  std::string Glob;
  std::string Why;
};

struct Guesses {
  std::vector<std::string> Programs; // "name (file)" of each program defining main
  std::vector<TestGuess> Tests;
  std::vector<std::string> SharedLibraries;
  bool FromCMake = false;
};

/// Why a source is test code ("includes <gtest/gtest.h>", "a fuzz target:
/// defines LLVMFuzzerTestOneInput", "in a tests/ folder"...), or "".
std::string testEvidence(const SourceFile &F);

/// The guesses for Sources (each built by the database) and Targets (empty
/// without CMake's file API).
Guesses guessRules(const std::vector<SourceFile> &Sources, const std::vector<BuildTarget> &Targets);

/// reach.yaml text: the guesses with a comment each, and commented-out
/// examples of the rules no guess can make (handlers, keeps, policies).
std::string renderRules(const Guesses &G);

} // namespace reach
