// reach-audit fix: deletes dead code. Prints a unified diff by default;
// --apply writes it (all files or none), --verify runs a command afterwards
// and restores every file byte for byte if it fails.
#include "tool/Commands.h"
#include "tool/LoadProject.h"
#include "tool/Options.h"

#include "fix/Apply.h"
#include "fix/CMakeEdit.h"
#include "fix/Edits.h"
#include "fix/Guard.h"
#include "fix/Plan.h"
#include "fix/UnifiedDiff.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
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

constexpr int MaxRounds = 10;

std::string realPath(const std::string &P) {
  SmallString<256> R;
  if (P.empty() || sys::fs::real_path(P, R))
    return P;
  return std::string(R.str());
}

std::optional<std::string> readDisk(const std::string &Abs) {
  auto Buf = MemoryBuffer::getFile(Abs, /*IsText=*/false, /*RequiresNullTerminator=*/false);
  if (!Buf)
    return std::nullopt;
  return (*Buf)->getBuffer().str();
}

/// Deletion can make more code removable (a header's last includer goes, so
/// the header is orphaned): plan, edit in memory, re-analyse the edited
/// sources, until a round deletes nothing. Returns the changes against disk.
struct Fixpoint {
  std::vector<FileChange> Changes;
  std::vector<std::string> Notes;
  size_t VendoredLeft = 0; // dead definitions in vendored code, left as asked
  int Rounds = 0;
  // For the sanity limits: reported definitions and `main`s before and
  // after, and the files that hold an entry point.
  size_t DefinitionsBefore = 0, DefinitionsAfter = 0, MainsBefore = 0, MainsAfter = 0;
  std::set<std::string> EntryFiles;
  std::string Root, BuildDir;
  bool InGit = false; // removed files are staged with git rm
};

/// `--symbol nosuch` is a typo, not "nothing to delete".
bool symbolsExist(const Analysis &A, const FixOptions &FO) {
  bool All = true;
  for (const std::string &S : FO.Symbols) {
    bool Found = std::any_of(A.G.Nodes.begin(), A.G.Nodes.end(), [&](const Node &N) {
      return N.Project && (N.Name == S || N.Usr == S);
    });
    if (!Found) {
      errs() << "reach-audit: error: --symbol '" << S << "' matches no definition"
             << didYouMean(A.G, S) << "\n";
      All = false;
    }
  }
  return All;
}

size_t countMains(const Analysis &A) {
  return std::count_if(A.Symbols.begin(), A.Symbols.end(),
                       [&](const SymbolVerdict &V) { return A.G.Nodes[V.Id].Name == "main"; });
}

void countForLimits(const Analysis &A, bool First, Fixpoint &F) {
  (First ? F.DefinitionsBefore : F.DefinitionsAfter) = A.Symbols.size();
  (First ? F.MainsBefore : F.MainsAfter) = countMains(A);
  if (First)
    for (const EntryPoint &E : A.Entries)
      F.EntryFiles.insert(A.G.Nodes[E.Id].Where.File);
}

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

/// The rounds of the fixpoint and what they share: the edits so far as an
/// overlay on disk, the bytes each edited file had on disk, and the notes.
class FixpointRun {
public:
  FixpointRun(const CommonOptions &Common, const FixOptions &Options) : Common(Common), Options(Options) {
    F.BuildDir = realPath(Common.BuildPath);
  }

  std::optional<Fixpoint> run() {
    for (int Round = 1; Round <= MaxRounds; ++Round) {
      std::optional<Analysis> A = loadProject(Common, Round == 1 ? nullptr : &Overlay);
      if (!A)
        return std::nullopt;
      countForLimits(*A, Round == 1, F);
      if (Round == 1 && !symbolsExist(*A, Options))
        return std::nullopt;
      if (!A->Failures.empty()) {
        if (Round == 1)
          return failedToCompile(*A);
        dropLastRound(Round, *A);
        break;
      }
      if (Round == 1) {
        F.Root = A->Root;
        Guard.emplace(A->Root, F.BuildDir, Force);
      }
      std::vector<FileChange> Changes = planRound(*A, Round);
      if (Changes.empty())
        break;
      F.Rounds = Round;
      addToOverlay(Changes);
    }
    changesAgainstDisk();
    if (EditCMake)
      addCMakeEdits();
    std::sort(F.Changes.begin(), F.Changes.end(),
              [](const FileChange &X, const FileChange &Y) { return X.Path < Y.Path; });
    if (refusedForDirtyFiles() && Apply)
      return std::nullopt;
    F.InGit = Guard->inGit();
    return F;
  }

private:
  std::optional<Fixpoint> failedToCompile(const Analysis &A) {
    for (const TUFailure &T : A.Failures)
      errs() << "reach-audit: error: " << T.File << " does not compile: " << T.Error << "\n";
    errs() << "reach-audit: error: fix needs every translation unit to compile; fix them first\n";
    return std::nullopt;
  }

  /// The last round's edits broke a translation unit: keep the rounds
  /// before, and say what that round would have deleted.
  void dropLastRound(int Round, const Analysis &A) {
    errs() << "reach-audit: warning: after round " << Round - 1 << " " << A.Failures[0].File
           << " no longer compiles (" << A.Failures[0].Error << "); that round is dropped\n";
    for (const std::string &What : LastRound)
      F.Notes.push_back("kept " + What + ": deleting it breaks " + A.Failures[0].File +
                        " (code there uses it; --with-dead-users takes dead users along)");
    Overlay = Previous;
  }

  /// One round: the plan, turned into changes of the overlay's texts.
  std::vector<FileChange> planRound(const Analysis &A, int Round) {
    Plan P = planDeletions(A, Options, [&](const std::string &R) { return Guard->editable(R); }, Gone);
    LastRound.clear();
    for (const Deletion &D : P.Deletions)
      LastRound.push_back(D.What + " (" + D.File + ")");
    auto Read = [&](const std::string &Rel) -> std::optional<std::string> {
      std::string Abs = F.Root + "/" + Rel;
      if (auto It = Overlay.Contents.find(Abs); It != Overlay.Contents.end())
        return It->second;
      return readDisk(Abs);
    };
    std::vector<std::string> Includers;
    for (const FileVerdict &V : A.Files)
      if (V.S != Status::Orphaned && !Gone.count(V.Path) && Guard->editable(V.Path))
        Includers.push_back(V.Path);
    std::vector<std::string> Notes = P.Skipped;
    if (Round == 1)
      F.VendoredLeft = P.VendoredLeft;
    std::vector<FileChange> Changes = buildChanges(F.Root, P, Read, Includers, Notes);
    addNotes(Notes);
    return Changes;
  }

  /// Later rounds see edited text: the same note at another line is no news.
  void addNotes(const std::vector<std::string> &Notes) {
    for (const std::string &N : Notes) {
      std::string Key = N;
      if (size_t C = Key.find(':'); C != std::string::npos)
        Key.erase(C, Key.find(':', C + 1) - C);
      if (NoteSeen.insert(Key).second)
        F.Notes.push_back(N);
    }
  }

  void addToOverlay(const std::vector<FileChange> &Changes) {
    Previous = Overlay;
    for (const FileChange &C : Changes) {
      Original.try_emplace(C.Path, C.Before); // the first touch reads the disk
      std::string Abs = F.Root + "/" + C.Path;
      if (C.Removed) {
        Gone.insert(C.Path);
        Overlay.Contents.erase(Abs);
        Overlay.Removed.insert(Abs);
      } else {
        Overlay.Contents[Abs] = C.After;
      }
    }
  }

  void changesAgainstDisk() {
    for (const auto &[Rel, Bytes] : Original) {
      std::string Abs = F.Root + "/" + Rel;
      if (Overlay.Removed.count(Abs))
        F.Changes.push_back({Rel, Bytes, "", true});
      else if (auto It = Overlay.Contents.find(Abs); It != Overlay.Contents.end() && It->second != Bytes)
        F.Changes.push_back({Rel, Bytes, It->second, false});
    }
  }

  void addCMakeEdits() {
    std::set<std::string> Removed;
    for (const FileChange &C : F.Changes)
      if (C.Removed)
        Removed.insert(C.Path);
    for (FileChange &C : editCMakeLists(F.Root, F.BuildDir, Removed))
      if (Guard->editable(C.Path))
        F.Changes.push_back(std::move(C));
  }

  /// Refusals are decided on the final set: uncommitted work is never
  /// touched. Without --apply nothing is written: the plan is shown, with a
  /// warning.
  bool refusedForDirtyFiles() {
    bool Refused = false;
    for (const FileChange &C : F.Changes)
      if (Guard->dirty(C.Path)) {
        errs() << "reach-audit: " << (Apply ? "error: " : "warning: --apply will refuse: ") << C.Path
               << " has uncommitted changes; commit or stash them, or pass --force\n";
        Refused = true;
      }
    return Refused;
  }

  const CommonOptions &Common;
  const FixOptions &Options;
  Fixpoint F;
  SourceOverlay Overlay, Previous;             // the edits so far; before the last round
  std::map<std::string, std::string> Original; // root-relative -> bytes on disk
  std::set<std::string> Gone, NoteSeen;
  std::vector<std::string> LastRound;          // what the round being checked deletes
  std::optional<TreeGuard> Guard;
};

std::optional<Fixpoint> runFixpoint(const CommonOptions &Common, const FixOptions &Options) {
  return FixpointRun(Common, Options).run();
}

int runFix(const CommonOptions &Common) {
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
  std::optional<Fixpoint> F = runFixpoint(Common, FO);
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
         << " file(s) removed, in " << F->Rounds << " round(s)" << (Apply ? "" : " (not applied)")
         << "; " << F->Notes.size() << " kept (listed below)";
  if (F->VendoredLeft)
    errs() << "; " << F->VendoredLeft << " dead in vendored code left (--include-vendored)";
  errs() << "\n";
  for (const std::string &R : Removed)
    errs() << "  removed " << R << (EditCMake ? "" : " (drop it from the build files)") << "\n";
  for (const std::string &N : F->Notes)
    errs() << "  " << N << "\n";
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
