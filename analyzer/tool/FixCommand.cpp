// reach-audit fix: deletes dead code. Prints a unified diff by default;
// --apply writes it (all files or none), --verify runs a command afterwards
// and restores every file byte for byte if it fails.
#include "tool/Commands.h"
#include "tool/LoadProject.h"
#include "tool/Options.h"

#include "tool/FixRounds.h"

#include "fix/Apply.h"
#include "fix/Guard.h"
#include "fix/UnifiedDiff.h"

#include "llvm/Support/raw_ostream.h"

#include <algorithm>

using namespace llvm;

namespace reach {
namespace {

cl::SubCommand FixCmd("fix", "Delete dead definitions and files (a diff; --apply writes it)");
cl::OptionCategory FixCategory("reach-audit fix options");
cl::opt<bool> Apply("apply", cl::desc("Write the deletions (default: print them as a diff)"),
                    cl::sub(FixCmd), cl::cat(FixCategory));
cl::opt<std::string> Verify("verify", cl::desc("After --apply, run CMD in the root; undo everything if it fails"),
                            cl::value_desc("CMD"), cl::sub(FixCmd), cl::cat(FixCategory));
cl::list<std::string> Only("only", cl::desc("Only delete in files matching this glob (root-relative)"),
                           cl::value_desc("PATH_GLOB"), cl::sub(FixCmd), cl::cat(FixCategory));
cl::list<std::string> Symbols("symbol", cl::desc("Only delete this symbol (qualified name or USR)"),
                              cl::value_desc("NAME"), cl::sub(FixCmd), cl::cat(FixCategory));
cl::opt<bool> WithDeadUsers("with-dead-users",
                            cl::desc("With --symbol: also delete the dead code that references it"),
                            cl::sub(FixCmd), cl::cat(FixCategory));
cl::opt<bool> IncludeTestOnly("include-test-only", cl::desc("Also delete test-only code"),
                              cl::sub(FixCmd), cl::cat(FixCategory));
cl::opt<bool> IncludeVendored("include-vendored",
                              cl::desc("Also delete dead code in vendored libraries (vendor/, "
                                       "third_party/, ... or the rules' vendor: globs)"),
                              cl::sub(FixCmd), cl::cat(FixCategory));
cl::opt<bool> Strict("strict", cl::desc("Exit 1 when any dead definition is kept (each is listed with its reason)"),
                     cl::sub(FixCmd), cl::cat(FixCategory));
cl::opt<bool> Force("force", cl::desc("Edit files that have uncommitted changes, and apply past "
                                     "the sanity limits (a main, an entry's file, --max-share)"),
                    cl::sub(FixCmd), cl::cat(FixCategory));
cl::opt<unsigned> MaxShare("max-share",
                           cl::desc("Refuse to delete more than this percentage of the project's "
                                    "definitions without --force (default 25)"),
                           cl::init(25), cl::sub(FixCmd), cl::cat(FixCategory));
cl::opt<bool> EditCMake("edit-cmake", cl::desc("Remove deleted files from add_library/add_executable lists"),
                        cl::sub(FixCmd), cl::cat(FixCategory));

/// What a plan must never do without --force: the safety net under wrong
/// rules or a wrong build. Each violation is a message; none is "ok".
std::vector<std::string> sanityViolations(const Fixpoint &F) {
  std::vector<std::string> V;
  if (F.MainsAfter < F.MainsBefore)
    V.push_back("it would delete " + std::to_string(F.MainsBefore - F.MainsAfter) + " 'main' function(s)");
  for (const FileChange &C : F.Changes)
    if (C.Removed && F.EntryFiles.count(C.Path))
      V.push_back("it would remove " + C.Path + ", which holds an entry point");
  size_t Deleted = F.DefinitionsBefore - std::min(F.DefinitionsBefore, F.DefinitionsAfter);
  if (F.DefinitionsBefore && Deleted * 100 > size_t(MaxShare) * F.DefinitionsBefore)
    V.push_back("it would delete " + std::to_string(Deleted) + " of " +
                std::to_string(F.DefinitionsBefore) + " definitions, more than --max-share=" +
                std::to_string(MaxShare) + "%");
  return V;
}

/// What the build turned out to need, as rules: the user decides whether
/// the code is needed (say so in reach.yaml) or its users go too.
void printKeepSuggestions(const std::vector<KeepSuggestion> &Keeps) {
  if (Keeps.empty())
    return;
  auto Quoted = [](std::string S) { // a YAML single-quoted scalar
    for (size_t At = 0; (At = S.find('\'', At)) != std::string::npos; At += 2)
      S.insert(At, 1, '\'');
    return "'" + S + "'";
  };
  errs() << "reach-audit fix: the build needs " << Keeps.size()
         << " definition(s) called dead; to keep them, add to the rules (reach.yaml):\nkeep:\n";
  for (const KeepSuggestion &K : Keeps)
    errs() << "  - symbol: " << Quoted(K.Symbol) << "\n    reason: " << Quoted("needed by " + K.Error) << "\n";
}

int runFix(const CommonOptions &Common) {
  if (!Common.OtherBuildPaths.empty()) {
    errs() << "reach-audit: error: fix checks its deletions by compiling one configuration; give one -p "
              "(what another configuration builds stays: see `unbuilt-here` in docs/fix.md)\n";
    return ExitUsage;
  }
  if (!Verify.empty() && !Apply) {
    errs() << "reach-audit: error: --verify needs --apply (without it nothing is written to verify)\n";
    return ExitUsage;
  }
  FixOptions FO;
  FO.Only.assign(Only.begin(), Only.end());
  FO.Symbols.assign(Symbols.begin(), Symbols.end());
  FO.IncludeTestOnly = IncludeTestOnly;
  FO.IncludeVendored = IncludeVendored;
  FO.WithDeadUsers = WithDeadUsers;
  std::optional<Fixpoint> F = runFixpoint(Common, FO, {Force, EditCMake, Apply});
  if (!F)
    return ExitUsage;

  for (const FileChange &C : F->Changes)
    outs() << unifiedDiff(C.Path, C.Before, C.After, C.Removed);
  outs().flush();
  size_t Edited = 0;
  std::vector<std::string> Removed;
  for (const FileChange &C : F->Changes)
    C.Removed ? Removed.push_back(C.Path) : void(++Edited);
  errs() << "reach-audit fix: " << Edited << " file(s) edited, " << Removed.size()
         << " file(s) removed, " << F->DefinitionsBefore - std::min(F->DefinitionsBefore, F->DefinitionsAfter)
         << " definition(s) deleted, in " << F->Rounds << " round(s)" << (Apply ? "" : " (not applied)")
         << "; " << F->Notes.size() << " kept (listed below)";
  if (F->VendoredLeft)
    errs() << "; " << F->VendoredLeft << " dead in vendored code left (--include-vendored)";
  errs() << "\n";
  for (const std::string &R : Removed)
    errs() << "  removed " << R << (EditCMake ? "" : " (drop it from the build files)") << "\n";
  for (const std::string &N : F->Notes)
    errs() << "  " << N << "\n";
  for (const std::string &R : F->Remarks)
    errs() << "  note: " << R << "\n";
  printKeepSuggestions(F->Keeps);
  int Done = Strict && !F->Notes.empty() ? ExitFindings : ExitOk;
  if (!Apply || F->Changes.empty())
    return Done;
  if (std::vector<std::string> V = sanityViolations(*F); !V.empty() && !Force) {
    for (const std::string &Why : V)
      errs() << "reach-audit: error: refusing to apply: " << Why << "\n";
    errs() << "reach-audit: error: nothing was changed; check the rules and the build, or pass --force\n";
    return ExitUsage;
  }

  Transaction T(F->Root);
  std::string Error;
  if (!T.apply(F->Changes, Error)) {
    errs() << "reach-audit: error: " << Error << "; nothing was changed\n";
    return ExitUsage;
  }
  if (!Verify.empty()) {
    errs() << "reach-audit fix: verifying: " << Verify << "\n";
    int RC = runShell(F->Root, Verify);
    if (RC != 0) {
      std::string RestoreError;
      if (!T.rollback(RestoreError)) {
        errs() << "reach-audit: error: verify failed and some files could not be restored:\n"
               << RestoreError;
        return ExitUsage;
      }
      errs() << "reach-audit: verify command failed (exit " << RC
             << "); every file was restored as it was\n";
      return ExitFindings;
    }
    errs() << "reach-audit fix: verify passed\n";
  }
  if (Done != ExitOk)
    errs() << "reach-audit: --strict: " << F->Notes.size() << " dead definition(s) kept\n";
  if (F->InGit && !TreeGuard(F->Root, F->BuildDir, true).gitRemove(Removed, Error))
    errs() << "reach-audit: warning: " << Error << "\n";
  return Done;
}

} // namespace
} // namespace reach

reach::Command reach::fixCommand() { return {&FixCmd, runFix}; }
