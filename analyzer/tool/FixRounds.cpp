#include "tool/FixRounds.h"
#include "tool/LoadProject.h"

#include "fix/Bisect.h"
#include "fix/CMakeEdit.h"
#include "fix/Guard.h"
#include "graph/SymbolLookup.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <map>

using namespace llvm;

namespace reach {
namespace {

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

/// `--symbol nosuch` is a typo, not "nothing to delete".
bool symbolsExist(const Analysis &A, const FixOptions &FO) {
  bool All = true;
  for (const std::string &S : FO.Symbols) {
    if (lookupSymbol(A.G, S).empty()) {
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

/// Every analysis counts as "after"; the first also as "before".
void countForLimits(const Analysis &A, bool First, Fixpoint &F) {
  F.DefinitionsAfter = A.Symbols.size();
  F.MainsAfter = countMains(A);
  if (!First)
    return;
  F.DefinitionsBefore = F.DefinitionsAfter;
  F.MainsBefore = F.MainsAfter;
  for (const EntryPoint &E : A.Entries)
    F.EntryFiles.insert(A.G.Nodes[E.Id].Where.File);
}

/// The edits so far, as an overlay on disk, and the files they removed.
struct Edited {
  SourceOverlay Overlay;
  std::set<std::string> Gone; // root-relative
};

/// A round's plan cut into the units bisection tries: deletions that go
/// together or not at all (Deletion::Unit), and each orphan file.
struct RoundUnits {
  std::vector<std::string> Keys;              // Deletion::Unit, or "file:PATH"
  std::vector<std::vector<size_t>> Deletions; // per unit, indexes into the plan's
  std::vector<std::string> Orphan;            // per unit, the orphan file or ""
  std::vector<std::vector<size_t>> ByFile;    // units grouped by the file they first edit
};

RoundUnits unitsOf(const Plan &P) {
  RoundUnits U;
  std::map<std::string, size_t> Index;
  std::map<std::string, std::vector<size_t>> Files;
  auto UnitFor = [&](const std::string &Key, const std::string &File) {
    auto [It, New] = Index.try_emplace(Key, U.Keys.size());
    if (New) {
      U.Keys.push_back(Key);
      U.Deletions.emplace_back();
      U.Orphan.emplace_back();
      Files[File].push_back(It->second);
    }
    return It->second;
  };
  for (size_t I = 0; I < P.Deletions.size(); ++I) {
    const Deletion &D = P.Deletions[I];
    U.Deletions[UnitFor(D.Unit.empty() ? D.File + "#" + std::to_string(D.Begin) : D.Unit, D.File)].push_back(I);
  }
  for (const std::string &F : P.OrphanFiles)
    U.Orphan[UnitFor("file:" + F, F)] = F;
  for (auto &[File, Units] : Files)
    U.ByFile.push_back(std::move(Units));
  return U;
}

/// The plan with only the chosen units (dead files still go only if
/// nothing is left in them).
Plan subPlan(const Plan &P, const RoundUnits &U, const std::vector<size_t> &Chosen) {
  Plan S = P;
  S.Deletions.clear();
  S.OrphanFiles.clear();
  for (size_t C : Chosen) {
    for (size_t I : U.Deletions[C])
      S.Deletions.push_back(P.Deletions[I]);
    if (!U.Orphan[C].empty())
      S.OrphanFiles.insert(U.Orphan[C]);
  }
  std::sort(S.Deletions.begin(), S.Deletions.end(), [](const Deletion &X, const Deletion &Y) {
    return std::tie(X.File, X.Begin, X.End) < std::tie(Y.File, Y.Begin, Y.End);
  });
  return S;
}

/// The broken TUs' errors, each TU's first first: a file's later errors
/// are often knock-on effects of its first.
std::vector<CompileError> errorsOf(const std::vector<TUFailure> &Failed) {
  std::vector<CompileError> All;
  for (const TUFailure &T : Failed)
    All.insert(All.end(), T.Errors.begin(), T.Errors.end());
  if (All.empty() && !Failed.empty()) // the command could not run: no names to blame by
    All.push_back({Failed.front().Error, {}});
  return All;
}

/// Plan::Uses between the round's units, by index.
UnitUses usesOf(const Plan &P, const RoundUnits &U) {
  std::map<std::string, size_t> Index;
  for (size_t Unit = 0; Unit < U.Keys.size(); ++Unit)
    Index[U.Keys[Unit]] = Unit;
  UnitUses Uses(U.Keys.size());
  for (const auto &[User, Used] : P.Uses)
    if (Index.count(User) && Index.count(Used))
      Uses[Index[User]].push_back(Index[Used]);
  return Uses;
}

std::vector<UnitNames> namesOf(const Plan &P, const RoundUnits &U) {
  std::vector<UnitNames> Names(U.Keys.size());
  for (size_t Unit = 0; Unit < U.Keys.size(); ++Unit) {
    Names[Unit].File = U.Orphan[Unit];
    for (size_t I : U.Deletions[Unit])
      if (!P.Deletions[I].Symbol.empty())
        addNamesOf(P.Deletions[I].Symbol, Names[Unit]);
  }
  return Names;
}

/// "function 'g' (src/a.cpp)" for a unit: its definition, not a declaration.
std::string describeUnit(const Plan &P, const RoundUnits &U, size_t Unit, std::string &Symbol) {
  if (!U.Orphan[Unit].empty())
    return "file " + U.Orphan[Unit];
  const Deletion *Main = &P.Deletions[U.Deletions[Unit].front()];
  for (size_t I : U.Deletions[Unit])
    if (P.Deletions[I].What.rfind("declaration of", 0) != 0) {
      Main = &P.Deletions[I];
      break;
    }
  Symbol = Main->Symbol;
  return Main->What + " (" + Main->File + ")";
}

class FixpointRun {
public:
  FixpointRun(const CommonOptions &Common, const FixOptions &Options, const RoundOptions &RO)
      : Common(Common), Options(Options), RO(RO) {
    F.BuildDir = realPath(Common.BuildPath);
  }

  std::optional<Fixpoint> run() {
    for (int Round = 1; Round <= MaxRounds;) {
      std::optional<Analysis> A = loadProject(Common, Round == 1 ? nullptr : &Now.Overlay);
      if (!A)
        return std::nullopt;
      countForLimits(*A, Round == 1, F);
      if (Round == 1 && !symbolsExist(*A, Options))
        return std::nullopt;
      if (!A->Failures.empty()) {
        if (Round == 1)
          return failedToCompile(*A);
        if (keepWhatBuilds(*A))
          continue; // the next analysis checks the whole build again
        break;
      }
      if (Round == 1) {
        F.Root = A->Root;
        Guard.emplace(A->Root, F.BuildDir, RO.Force);
      }
      std::vector<FileChange> Changes = planRound(*A, Round);
      if (Changes.empty())
        break;
      sayRound(Round, Changes.size());
      F.Rounds = Round++;
      Before = Now;
      remember(Changes);
      for (const FileChange &C : Changes)
        edit(C, Now);
    }
    changesAgainstDisk();
    if (RO.EditCMake)
      addCMakeEdits();
    std::sort(F.Changes.begin(), F.Changes.end(),
              [](const FileChange &X, const FileChange &Y) { return X.Path < Y.Path; });
    if (refusedForDirtyFiles() && RO.Apply)
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

  /// A round can take minutes on a big project: say each one as it starts.
  void sayRound(int Round, size_t Files) const {
    errs() << "reach-audit fix: round " << Round << ": " << LastPlan.Deletions.size() << " deletion(s)"
           << (LastPlan.OrphanFiles.empty() ? "" : ", " + std::to_string(LastPlan.OrphanFiles.size()) + " orphan file(s)")
           << " in " << Files << " file(s); checking that the project still compiles\n";
  }

  /// The last round broke the build. Keep what of it compiles, found by
  /// compiling the broken TUs with parts of the round (bisection), and never
  /// plan the rest again. False when no deletion can be blamed: the round
  /// is dropped whole and the rounds end.
  bool keepWhatBuilds(const Analysis &A) {
    std::vector<std::string> Broken;
    for (const TUFailure &T : A.Failures)
      Broken.push_back(T.File);
    RoundUnits U = unitsOf(LastPlan);
    errs() << "reach-audit fix: round " << F.Rounds << " broke " << Broken.size()
           << " translation unit(s); finding the deletions to blame\n";
    unsigned Trials = 0;
    auto Compile = [&](const std::vector<size_t> &Chosen) {
      Edited Trial = withPlan(subPlan(LastPlan, U, Chosen));
      std::vector<CompileError> Errors = relative(errorsOf(compileWithOverlay(Common, F.Root, Trial.Overlay, Broken)));
      // A trial of a big round takes minutes: say each one.
      errs() << "reach-audit fix: trial " << ++Trials << ": " << Chosen.size() << " of " << U.Keys.size()
             << " deletion(s) " << (Errors.empty() ? "compile" : "fail: " + Errors.front().Message) << "\n";
      return Errors;
    };
    BisectResult R = keepWhatCompiles(U.ByFile, namesOf(LastPlan, U), usesOf(LastPlan, U),
                                      relative(errorsOf(A.Failures)), Compile);
    errs() << "reach-audit fix: round " << F.Rounds << " broke " << relative(A.Failures.front().File)
           << (A.Failures.size() > 1 ? " and " + std::to_string(A.Failures.size() - 1) + " more" : "")
           << "; " << R.Checks << " compilation(s) kept " << R.Accepted.size() << " of " << U.Keys.size()
           << " deletion(s)";
    if (R.Blamed)
      errs() << " (" << R.Blamed << " named by the errors" << (R.Blamed < R.Rejected.size() ? ", the rest bisected" : "")
             << ")";
    errs() << "\n";
    if (R.Rejected.empty())
      return dropLastRound(A);
    for (const auto &[Unit, Error] : R.Rejected) {
      Rejected.insert(U.Keys[Unit]);
      std::string Symbol;
      F.Notes.push_back("kept " + describeUnit(LastPlan, U, Unit, Symbol) +
                        ": deleting it breaks the build: " + Error);
      if (!Symbol.empty())
        F.Keeps.push_back({Symbol, Error});
    }
    LastPlan = subPlan(LastPlan, U, R.Accepted);
    Now = withPlan(LastPlan);
    return true;
  }

  /// Bisection found no culprit (the failure needs more than the broken
  /// TUs to show): the round goes whole, each of its deletions said.
  bool dropLastRound(const Analysis &A) {
    errs() << "reach-audit: warning: after round " << F.Rounds << " " << relative(A.Failures[0].File)
           << " no longer compiles (" << relative(A.Failures[0].Error) << "); that round is dropped\n";
    for (const Deletion &D : LastPlan.Deletions)
      F.Notes.push_back("kept " + D.What + " (" + D.File + "): deleting it breaks " +
                        relative(A.Failures[0].File) + " (code there uses it; --with-dead-users takes dead users along)");
    Now = Before;
    return false;
  }

  std::vector<CompileError> relative(std::vector<CompileError> Errors) const {
    for (CompileError &E : Errors)
      E.Message = relative(E.Message);
    return Errors;
  }

  std::string relative(std::string S) const {
    const std::string Prefix = F.Root + "/";
    for (size_t At; !F.Root.empty() && (At = S.find(Prefix)) != std::string::npos;)
      S.erase(At, Prefix.size());
    return S;
  }

  /// One round: the plan (less what an earlier bisection rejected), turned
  /// into changes of the overlay's texts.
  std::vector<FileChange> planRound(const Analysis &A, int Round) {
    Plan P = planDeletions(A, Options, [&](const std::string &R) { return Guard->editable(R); }, Now.Gone);
    std::erase_if(P.Deletions, [&](const Deletion &D) { return Rejected.count(D.Unit); });
    std::erase_if(P.OrphanFiles, [&](const std::string &File) { return Rejected.count("file:" + File); });
    LastIncludes.clear();
    for (const IncludeSite &I : A.Includes)
      if (!Now.Gone.count(I.From) && Guard->editable(I.From))
        LastIncludes.push_back(I);
    std::vector<std::string> Notes = P.Skipped;
    if (Round == 1)
      F.VendoredLeft = P.VendoredLeft;
    std::vector<FileChange> Changes = buildChanges(F.Root, P, reader(Now), LastIncludes, Notes);
    addNotes(Notes, F.Notes);
    addNotes(P.Remarks, F.Remarks);
    LastPlan = std::move(P);
    return Changes;
  }

  /// The texts as E has them: its edits, else the disk.
  SourceReader reader(const Edited &E) const {
    return [this, &E](const std::string &Rel) -> std::optional<std::string> {
      std::string Abs = F.Root + "/" + Rel;
      if (auto It = E.Overlay.Contents.find(Abs); It != E.Overlay.Contents.end())
        return It->second;
      return readDisk(Abs);
    };
  }

  /// The edits before the last round, plus the plan S made on them.
  Edited withPlan(const Plan &S) {
    Edited E = Before;
    std::vector<std::string> Unused; // its notes were said when the round was planned
    for (const FileChange &C : buildChanges(F.Root, S, reader(Before), LastIncludes, Unused))
      edit(C, E);
    return E;
  }

  /// Later rounds see edited text: the same note at another line is no news.
  void addNotes(const std::vector<std::string> &Notes, std::vector<std::string> &To) {
    for (const std::string &N : Notes) {
      std::string Key = N;
      if (size_t C = Key.find(':'); C != std::string::npos)
        Key.erase(C, Key.find(':', C + 1) - C);
      if (NoteSeen.insert(Key).second)
        To.push_back(N);
    }
  }

  void remember(const std::vector<FileChange> &Changes) {
    for (const FileChange &C : Changes)
      Original.try_emplace(C.Path, C.Before); // the first touch reads the disk
  }

  void edit(const FileChange &C, Edited &E) const {
    std::string Abs = F.Root + "/" + C.Path;
    if (C.Removed) {
      E.Gone.insert(C.Path);
      E.Overlay.Contents.erase(Abs);
      E.Overlay.Removed.insert(Abs);
    } else {
      E.Overlay.Contents[Abs] = C.After;
    }
  }

  void changesAgainstDisk() {
    for (const auto &[Rel, Bytes] : Original) {
      std::string Abs = F.Root + "/" + Rel;
      if (Now.Overlay.Removed.count(Abs))
        F.Changes.push_back({Rel, Bytes, "", true});
      else if (auto It = Now.Overlay.Contents.find(Abs); It != Now.Overlay.Contents.end() && It->second != Bytes)
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
        errs() << "reach-audit: " << (RO.Apply ? "error: " : "warning: --apply will refuse: ") << C.Path
               << " has uncommitted changes; commit or stash them, or pass --force\n";
        Refused = true;
      }
    return Refused;
  }

  const CommonOptions &Common;
  const FixOptions &Options;
  const RoundOptions RO;
  Fixpoint F;
  Edited Now, Before;                          // the edits so far; before the last round
  Plan LastPlan;                               // what the last round deletes
  std::vector<IncludeSite> LastIncludes;       // the #includes fix may edit
  std::map<std::string, std::string> Original; // root-relative -> bytes on disk
  std::set<std::string> NoteSeen, Rejected;    // Rejected: units the build needs
  std::optional<TreeGuard> Guard;
};

} // namespace

std::optional<Fixpoint> runFixpoint(const CommonOptions &Common, const FixOptions &Options,
                                    const RoundOptions &Round) {
  return FixpointRun(Common, Options, Round).run();
}

} // namespace reach
