// In-process analyzer tests (#21), in the manner of clang-tools-extra's
// Annotations/TestTU: a program is given as annotated source strings, is
// written to a temporary folder, extracted by the same code the tool runs
// (extractAll over a fixed compile database) and analysed; tests then assert
// verdicts at the marked names and the edges between definitions, without
// running the binary or matching its text.
//
// Markers go right before a definition's name and are removed from the code:
//   int $dead^unused() { return 1; }      verdict dead
//   int $live^main() { ... }              live;  $test^ test-only
//   struct $live^Handle;                  any definition kind: classes too
#pragma once

#include "extract/Summary.h"
#include "graph/Analysis.h"

#include <map>
#include <string>
#include <vector>

namespace reach::test {

struct Mark {
  std::string File;  // relative to the project root, as the analysis names files
  unsigned Line = 0, Column = 0;
  Status Expected;
  std::string Text;  // the marker, for messages
};

struct Program {
  Analysis A;
  std::vector<Mark> Marks;
  std::string Root;

  /// The node defined with its name at Mark's position, or -1.
  int nodeAt(const Mark &M) const;
  /// The node named Name (qualified, as Clang prints it); -1 when none or
  /// several.
  int node(const std::string &Name) const;
  Status status(const std::string &Name) const;
  /// An edge From -> To of kind K in the linked graph.
  bool hasEdge(const std::string &From, const std::string &To, EdgeKind K) const;
};

struct ProgramOptions {
  std::string Rules = "entries:\n  - function: main\n";
  /// The project root, a subfolder of the program's folder ("" for the
  /// folder itself); files outside it are library code.
  std::string Root;
  /// Compiler arguments; "%t" stands for the program's folder
  /// (`-isystem %t/lib` for a library that is not project code).
  std::vector<std::string> Args = {"-std=c++20"};
  /// Files compiled as translation units; the others are headers. Empty:
  /// every .cpp file.
  std::vector<std::string> Compiled;
};

/// Files: relative path -> annotated source.
Program analyzeProgram(const std::map<std::string, std::string> &Files, const ProgramOptions &Opts = {});

/// A gtest check that every marker's definition has the marked verdict.
void expectMarkedVerdicts(const Program &P);

} // namespace reach::test
