// fix's rounds: plan, edit in memory, re-analyse the edited sources, until a
// round deletes nothing. A round that breaks the build is bisected: what
// compiles is kept, each deletion that breaks it is reported with the
// compiler's first error and never planned again.
#pragma once

#include "fix/Edits.h"
#include "fix/Plan.h"
#include "tool/Options.h"

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace reach {

/// A deletion the build needs: what a `keep:` rule would say.
struct KeepSuggestion {
  std::string Symbol; // qualified name
  std::string Error;  // the compiler's first error without it
};

struct Fixpoint {
  std::vector<FileChange> Changes; // against disk, sorted by path
  std::vector<std::string> Notes;  // "kept ...: reason", each once
  std::vector<std::string> Remarks; // deleted, but a declaration stays: why, each once
  std::vector<KeepSuggestion> Keeps;
  size_t VendoredLeft = 0; // dead definitions in vendored code, left as asked
  int Rounds = 0;
  // For the sanity limits: reported definitions and `main`s before and
  // after, and the files that hold an entry point.
  size_t DefinitionsBefore = 0, DefinitionsAfter = 0, MainsBefore = 0, MainsAfter = 0;
  std::set<std::string> EntryFiles;
  std::string Root, BuildDir;
  bool InGit = false; // removed files are staged with git rm
};

struct RoundOptions {
  bool Force = false;     // edit files with uncommitted changes
  bool EditCMake = false; // drop removed files from CMake source lists
  bool Apply = false;     // only for the wording of the dirty-file refusal
};

/// Nullopt after an error (printed): the first analysis failed, a --symbol
/// names nothing, or --apply would touch uncommitted work.
std::optional<Fixpoint> runFixpoint(const CommonOptions &Common, const FixOptions &Options,
                                    const RoundOptions &Round);

} // namespace reach
