// Verdicts: roots from the rules, reachability from production and from
// test roots, and a status per symbol and per file. Printers consume this.
#pragma once

#include "graph/Graph.h"
#include "graph/Reachability.h"
#include "graph/RuleCoverage.h"
#include "rules/Rules.h"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace reach {

/// UnbuiltHere: a file no compile command here builds, but which the build
/// files or an inactive `#include` name (another platform's sources, a
/// generator's input): not orphaned, never removed.
enum class Status { Live, TestOnly, Dead, Unknown, Orphaned, UnbuiltHere };
const char *toString(Status S);

struct SymbolVerdict {
  unsigned Id;                   // node in Analysis::G
  Status S;
  /// The node whose path from a root keeps this one alive: itself, or for
  /// a class its best member. whyPath() names the path when asked: naming
  /// every verdict's path was a fifth of a warm query's analysis.
  unsigned Via;
  bool Vendored = false;         // library code the project vendors (rules)
  /// Unknown: why not dead ("used in an inactive configuration (src/x.cpp:12,
  /// #ifdef _WIN32)", "a translation unit that uses it did not compile").
  std::string UnknownWhy;
};

struct FileVerdict {
  std::string Path;
  Status S;
  bool Vendored = false;
  std::string Why; // UnbuiltHere: what names it ("CMakeLists.txt:12")
};

struct EntryPoint {
  unsigned Id;
  std::string Rule; // function, match, annotation, registered-by, keep, dynamic-initializer
};

struct TUFailure {
  std::string File;
  std::string Error;                // the first
  std::vector<CompileError> Errors; // the first few, with the names they quote
};

struct Analysis {
  std::string Root;
  Graph G;
  Reach Prod, Test;
  std::vector<EntryPoint> Entries;
  std::vector<SymbolVerdict> Symbols; // reported definitions, by file and line
  std::vector<FileVerdict> Files;     // by path
  std::vector<TUFailure> Failures;
  std::vector<TUFailure> HeaderErrors; // TUs read despite errors in library headers
  std::vector<IncludeSite> Includes;   // every #include in the project's files, once
  Rules RulesUsed;
  std::vector<UnmatchedRule> Unmatched; // rules that match no definition or file
  std::vector<std::string> InlineKeepErrors; // "file:line: error: `// reach: keep()` ... needs a reason"
  size_t TranslationUnits = 0;
  std::vector<std::string> Configurations; // several -p: each build folder
  std::map<std::string, uint64_t> DefinedIn; // USR -> bit per configuration defining it
  std::map<std::string, uint64_t> ReachedIn; // USR -> bit per configuration whose own entries reach it
  size_t count(Status S) const;         // the project's own code
  size_t vendoredCount(Status S) const; // vendored code, reported apart
  size_t orphanCount() const;
  /// Live or test-only: the names from a root to V (root first); else empty.
  std::vector<std::string> whyPath(const SymbolVerdict &V) const;
};

struct AnalysisInput {
  std::string Root;
  std::vector<TUSummary> TUs;
  Rules R;
  std::vector<std::string> Orphans; // from findOrphans
  std::map<std::string, std::string> NamedByBuild; // orphan -> why another configuration builds it
  std::set<std::string> Built;      // project files the TUs read, main files included
  /// With several configurations (-p given more than once): their names,
  /// and for each USR the bit of every configuration that defines it.
  std::vector<std::string> Configurations;
  std::map<std::string, uint64_t> DefinedIn;
  std::vector<size_t> TUConfiguration; // with several: the configuration of each of TUs
  /// TUs already linked (link() has taken their nodes and edges); else
  /// analyze links them.
  std::optional<Graph> Linked;
};

Analysis analyze(AnalysisInput In);

} // namespace reach
