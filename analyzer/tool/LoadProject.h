// The step every subcommand starts with: the compile database, the rules
// and the root resolved from the common options, every TU extracted, the
// program analysed.
#pragma once

#include "extract/Runner.h"
#include "graph/Analysis.h"
#include "tool/Options.h"

#include "clang/Tooling/CompilationDatabase.h"

#include <memory>
#include <optional>

namespace reach {

class SummaryIndex;

/// P made absolute, symbolic links resolved, no trailing slash.
std::string absolutePath(llvm::StringRef P);

/// BuildPath's compile database; null after a message naming the folder
/// (none given, malformed JSON, no database).
std::unique_ptr<clang::tooling::CompilationDatabase> openDatabase(const std::string &BuildPath);

/// The first phases: the root and the rules file found, the compile
/// database open, the sources chosen (each once, sorted).
struct ProjectSources {
  std::string Root;      // absolute
  std::string RulesPath; // "" for the defaults
  std::unique_ptr<clang::tooling::CompilationDatabase> DB;
  std::vector<std::string> Files;
  std::vector<TUSummary> Missing; // listed by the database, not on disk: failed TUs
};
std::optional<ProjectSources> openProject(const CommonOptions &Opts, const SourceOverlay *Overlay = nullptr);
RunOptions runOptionsFor(const CommonOptions &Opts, const std::string &Root, const SourceOverlay *Overlay = nullptr);

/// --index, or BUILD/.reach.
std::string indexDir(const CommonOptions &Opts);
/// The index of this build, locked for this run; null (and the TUs all
/// parsed) with --no-index or when the folder cannot be used.
std::unique_ptr<SummaryIndex> openIndex(const CommonOptions &Opts);

/// Reads the compile database and rules, extracts every TU and analyses the
/// program. Prints errors and returns nullopt on input errors. Overlay:
/// fix's edits not yet on disk (its later rounds).
std::optional<Analysis> loadProject(const CommonOptions &Opts, const SourceOverlay *Overlay = nullptr);

/// loadProject for a command that analyses once (scan, why, blast, check):
/// the analysis lives until the process exits and is never destroyed.
/// Freeing its hundreds of thousands of strings was a fifth of a query on
/// a warm index; the system takes the memory back at once (clang's
/// -disable-free). Null where loadProject gives nullopt.
Analysis *loadProjectUntilExit(const CommonOptions &Opts);

/// Compiles only Files (as the compile database names them) with Overlay's
/// edits, a syntax check each: the TUs that fail, with their first errors;
/// empty when all compile. Once one fails the rest are not started (a
/// trial that fails needs no more). fix's search for the deletions that
/// broke a round.
std::vector<TUFailure> compileWithOverlay(const CommonOptions &Opts, const std::string &Root,
                                          const SourceOverlay &Overlay, const std::vector<std::string> &Files);

} // namespace reach
