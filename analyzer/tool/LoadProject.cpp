// loadProject: from the command line's -p/--rules/--root to an Analysis,
// in phases: find the rules and the root, open the compile database, choose
// the sources, extract every TU, analyse, and report the rules' problems.
// Every input error is a message naming the file or option, and nullopt.
#include "tool/LoadProject.h"

#include "extract/Runner.h"
#include "index/SummaryIndex.h"
#include "graph/Orphans.h"
#include "rules/Rules.h"
#include "tool/PhaseTimes.h"

#include "clang/Tooling/CompilationDatabase.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <iterator>

namespace reach {

namespace {

std::string rulesIn(const std::string &Dir) {
  for (const char *Name : {"reach.yaml", ".reach.yaml"})
    if (llvm::sys::fs::is_regular_file(Dir + "/" + Name))
      return Dir + "/" + Name;
  return "";
}

/// reach.yaml or .reach.yaml in Dir or the nearest folder above it, as
/// clang-tidy finds .clang-tidy; "" if none.
std::string findRulesUpward(std::string Dir) {
  while (!Dir.empty()) {
    if (std::string P = rulesIn(Dir); !P.empty())
      return P;
    std::string Parent(llvm::sys::path::parent_path(Dir));
    if (Parent == Dir)
      break;
    Dir = Parent;
  }
  return "";
}

struct RulesAndRoot {
  std::string RulesPath; // "" for the defaults
  std::string Root;      // absolute
};

/// Without --rules: the root's reach.yaml (or .reach.yaml); without --root
/// either, the nearest one from the current folder upward, whose folder is
/// then the root (run from a subfolder, as linters are).
std::optional<RulesAndRoot> findRulesAndRoot(const CommonOptions &Opts) {
  std::string RulesPath = Opts.RulesPath;
  bool Discovered = false;
  if (RulesPath.empty() && !Opts.Root.empty())
    RulesPath = rulesIn(absolutePath(Opts.Root));
  else if (RulesPath.empty()) {
    RulesPath = findRulesUpward(absolutePath("."));
    Discovered = !RulesPath.empty();
  }
  std::string Root = absolutePath(!Opts.Root.empty() ? Opts.Root
                                  : Discovered       ? std::string(llvm::sys::path::parent_path(RulesPath))
                                                     : ".");
  if (Discovered && Root != absolutePath("."))
    llvm::errs() << "reach-audit: using rules " << RulesPath << " (root " << Root << ")\n";
  if (!llvm::sys::fs::is_directory(Root)) {
    llvm::errs() << "reach-audit: error: --root " << Root << " is not a directory\n";
    return std::nullopt;
  }
  return RulesAndRoot{RulesPath, Root};
}

std::optional<Rules> readRules(const std::string &RulesPath) {
  if (RulesPath.empty())
    return Rules::defaults();
  std::string Error;
  std::optional<Rules> Loaded = loadRules(RulesPath, Error);
  if (!Loaded)
    llvm::errs() << Error << "\n";
  return Loaded;
}

/// clang's loader reports a malformed compile_commands.json as a YAML
/// diagnostic and goes on with what it could read; here it is an input
/// error naming the file, the line and the column.
bool checkDatabaseJson(const std::string &BuildDir) {
  std::string Path = BuildDir + "/compile_commands.json";
  auto Buf = llvm::MemoryBuffer::getFile(Path);
  if (!Buf)
    return true; // no JSON database: clang looks for the other kinds
  llvm::Expected<llvm::json::Value> V = llvm::json::parse((*Buf)->getBuffer());
  if (!V) {
    llvm::errs() << "reach-audit: error: " << Path << ": malformed JSON: "
                 << llvm::toString(V.takeError()) << "\n";
    return false;
  }
  if (!V->getAsArray()) {
    llvm::errs() << "reach-audit: error: " << Path << ": expected a JSON array of compile commands\n";
    return false;
  }
  return true;
}

/// The database's sources, each once, less those fix removed. A listed
/// source that does not exist (a stale database, a generated file not built
/// yet) goes to Missing as a TU that failed, not one to skip in silence:
/// exit 2 unless --keep-going, and nothing it might use is called dead.
std::optional<std::vector<std::string>> sourcesToScan(const clang::tooling::CompilationDatabase &DB,
                                                      const std::string &BuildPath,
                                                      const SourceOverlay *Overlay,
                                                      std::vector<TUSummary> &Missing) {
  std::vector<std::string> Files = DB.getAllFiles();
  if (Files.empty()) {
    llvm::errs() << "reach-audit: error: " << BuildPath
                 << ": the compile database has no entries; configure the build first\n";
    return std::nullopt;
  }
  std::sort(Files.begin(), Files.end());
  Files.erase(std::unique(Files.begin(), Files.end()), Files.end());
  if (Overlay)
    std::erase_if(Files, [&](const std::string &F) { return Overlay->Removed.count(absolutePath(F)); });
  std::erase_if(Files, [&](const std::string &F) {
    if (llvm::sys::fs::exists(F))
      return false;
    TUSummary TU;
    TU.MainFile = F;
    TU.Failed = true;
    TU.FirstError = F + ": error: no such file, though the compile database lists it (a stale "
                        "database? re-run the build's configure step, or build generated sources first)";
    Missing.push_back(std::move(TU));
    return true;
  });
  return Files;
}

/// Project files the TUs read, and their main files (a TU that failed early
/// still counts as built).
std::set<std::string> builtFiles(const std::vector<TUSummary> &TUs, const std::string &Root) {
  std::set<std::string> Built;
  for (const TUSummary &TU : TUs) {
    Built.insert(TU.FilesSeen.begin(), TU.FilesSeen.end());
    std::string Abs = absolutePath(TU.MainFile);
    llvm::StringRef Rel = Abs;
    if (Rel.consume_front(Root) && Rel.consume_front("/"))
      Built.insert(Rel.str());
  }
  return Built;
}

/// Inline keeps without a reason and rules that match nothing: errors
/// (warnings with --allow-unmatched). False when the analysis must stop.
bool reportRuleProblems(const Analysis &A, bool AllowUnmatched) {
  for (const std::string &E : A.InlineKeepErrors)
    llvm::errs() << E << "\n";
  if (!A.InlineKeepErrors.empty())
    return false;
  for (const UnmatchedRule &U : A.Unmatched)
    llvm::errs() << formatUnmatched(A.RulesUsed, U, AllowUnmatched ? "warning" : "error") << "\n";
  // A rule may name code in a TU that could not be read: say so first.
  if (!A.Unmatched.empty() && !A.Failures.empty())
    llvm::errs() << "reach-audit: note: " << A.Failures.size()
                 << " translation unit(s) were not analysed, which may hold what the rules name; first: "
                 << A.Failures.front().Error << "\n";
  if (!A.Unmatched.empty() && !AllowUnmatched) {
    llvm::errs() << "reach-audit: error: " << A.Unmatched.size()
                 << " rule(s) match nothing; correct them, or pass --allow-unmatched\n";
    return false;
  }
  return true;
}

void reportIndexUse(SummaryIndex &Index, size_t TUs, bool Verbose, bool ExpectIndexed) {
  IndexStats S = Index.stats();
  for (const std::string &C : S.Corrupt)
    llvm::errs() << "reach-audit: warning: index entry " << C
                 << " is malformed (truncated or overwritten); its translation unit was parsed again\n";
  if (ExpectIndexed && !S.Parsed.empty()) {
    llvm::errs() << "reach-audit: warning: " << S.Parsed.size()
                 << " translation unit(s) were in no shard's index (or changed since), and were parsed here:";
    for (size_t I = 0; I < S.Parsed.size() && I < 5; ++I)
      llvm::errs() << " " << S.Parsed[I];
    llvm::errs() << (S.Parsed.size() > 5 ? " ...\n" : "\n");
  }
  if (!Verbose)
    return;
  llvm::errs() << "reach-audit: index " << Index.dir() << ": " << S.Reused << " of " << TUs
               << " translation units reused, " << S.Parsed.size() << " parsed"
               << (S.ProgramReused ? "; the linked program reused\n" : "\n");
  for (const std::string &P : S.Parsed)
    llvm::errs() << "reach-audit: parsed " << P << "\n";
}

} // namespace

std::string absolutePath(llvm::StringRef P) {
  llvm::SmallString<256> Abs(P);
  llvm::sys::fs::make_absolute(Abs);
  llvm::SmallString<256> Real;
  if (!llvm::sys::fs::real_path(Abs, Real))
    Abs = Real;
  llvm::sys::path::remove_dots(Abs, true);
  std::string S(Abs.str());
  while (S.size() > 1 && S.back() == '/')
    S.pop_back();
  return S;
}

std::unique_ptr<clang::tooling::CompilationDatabase> openDatabase(const std::string &BuildPath) {
  if (BuildPath.empty()) {
    llvm::errs() << "reach-audit: error: no build directory; pass -p BUILD_DIR (the folder "
                    "holding compile_commands.json, e.g. from -DCMAKE_EXPORT_COMPILE_COMMANDS=ON)\n";
    return nullptr;
  }
  if (!checkDatabaseJson(BuildPath))
    return nullptr;
  std::string Error;
  auto DB = clang::tooling::CompilationDatabase::loadFromDirectory(BuildPath, Error);
  if (!DB)
    llvm::errs() << "reach-audit: error: " << BuildPath << ": cannot load compile_commands.json: "
                 << Error << "\n  configure the build with -DCMAKE_EXPORT_COMPILE_COMMANDS=ON\n";
  return DB;
}

std::optional<ProjectSources> openProject(const CommonOptions &Opts, const SourceOverlay *Overlay) {
  std::optional<RulesAndRoot> Where = findRulesAndRoot(Opts);
  if (!Where)
    return std::nullopt;
  ProjectSources P;
  P.Root = Where->Root;
  P.RulesPath = Where->RulesPath;
  P.DB = openDatabase(Opts.BuildPath);
  if (!P.DB)
    return std::nullopt;
  std::optional<std::vector<std::string>> Files = sourcesToScan(*P.DB, Opts.BuildPath, Overlay, P.Missing);
  if (!Files)
    return std::nullopt;
  P.Files = std::move(*Files);
  return P;
}

RunOptions runOptionsFor(const CommonOptions &Opts, const std::string &Root, const SourceOverlay *Overlay) {
  RunOptions Run;
  Run.Root = Root;
  Run.Jobs = Opts.Jobs;
  Run.ExtraArgs = Opts.ExtraArgs;
  Run.Progress = llvm::sys::Process::StandardErrIsDisplayed();
  if (Overlay) {
    Run.Overlay = std::make_shared<const std::map<std::string, std::string>>(Overlay->Contents);
    Run.StoreLinked = false; // edits the disk does not hold (yet)
  }
  return Run;
}

std::unique_ptr<SummaryIndex> openIndex(const CommonOptions &Opts) {
  if (Opts.NoIndex)
    return nullptr;
  std::string Error;
  std::unique_ptr<SummaryIndex> Index = SummaryIndex::open(indexDir(Opts), Error);
  if (!Index)
    llvm::errs() << "reach-audit: warning: " << Error << "; every translation unit is parsed\n";
  return Index;
}

std::string indexDir(const CommonOptions &Opts) {
  return !Opts.IndexDir.empty() ? Opts.IndexDir : Opts.BuildPath + "/.reach";
}

/// One configuration's TUs into In (and the USRs it defines into
/// In.DefinedIn, with several). Where: the configuration's sources when
/// already open (the first's). False on an input error.
bool extractConfiguration(const CommonOptions &Opts, size_t K, std::optional<ProjectSources> Where,
                          const SourceOverlay *Overlay, AnalysisInput &In) {
  CommonOptions One = Opts;
  One.BuildPath = Opts.buildPaths()[K];
  if (K > 0 && !Opts.IndexDir.empty()) // one index per configuration
    One.IndexDir = Opts.IndexDir + "/configuration-" + std::to_string(K + 1);
  One.Root = In.Root; // found once, for the first
  One.RulesPath = In.R.File;
  if (!Where)
    Where = openProject(One, Overlay);
  if (!Where)
    return false;
  RunOptions Run = runOptionsFor(One, Where->Root, Overlay);
  std::unique_ptr<SummaryIndex> Index = openIndex(One);
  Run.Index = Index.get();
  // One configuration is linked as it is read, so that the index can keep
  // the linked program; several are linked together by analyze().
  const bool Link = Opts.OtherBuildPaths.empty();
  Extraction E = Link ? extractAndLink(*Where->DB, Where->Files, Run)
                      : Extraction{extractAll(*Where->DB, Where->Files, Run), std::nullopt};
  In.Linked = std::move(E.Program);
  std::vector<TUSummary> TUs = std::move(E.TUs);
  if (Index) {
    if (!Overlay) // fix's trial rounds name edited TUs that may never be written
      Index->pruneUnused();
    reportIndexUse(*Index, Where->Files.size(), Opts.IndexStats, Opts.ExpectIndexed);
  }
  std::move(Where->Missing.begin(), Where->Missing.end(), std::back_inserter(TUs));
  if (!Opts.OtherBuildPaths.empty()) {
    In.Configurations.push_back(One.BuildPath);
    for (const TUSummary &TU : TUs)
      for (const Node &N : TU.Nodes)
        In.DefinedIn[N.Usr] |= uint64_t(1) << K;
    In.TUConfiguration.insert(In.TUConfiguration.end(), TUs.size(), K);
  }
  std::move(TUs.begin(), TUs.end(), std::back_inserter(In.TUs));
  return true;
}

std::optional<Analysis> loadProject(const CommonOptions &Opts, const SourceOverlay *Overlay) {
  std::optional<ProjectSources> Where = openProject(Opts, Overlay);
  if (!Where)
    return std::nullopt;
  std::optional<Rules> R = readRules(Where->RulesPath);
  if (!R)
    return std::nullopt;
  phaseDone("database");
  std::vector<std::string> Builds = Opts.buildPaths();
  if (Builds.size() > 64) {
    llvm::errs() << "reach-audit: error: -p given " << Builds.size() << " times; at most 64 configurations\n";
    return std::nullopt;
  }
  AnalysisInput In;
  In.Root = Where->Root;
  In.R = std::move(*R);
  for (size_t K = 0; K < Builds.size(); ++K)
    if (!extractConfiguration(Opts, K, K == 0 ? std::move(Where) : std::nullopt, Overlay, In))
      return std::nullopt;
  phaseDone("summaries");
  if (In.Linked) {
    size_t Edges = 0;
    for (const auto &Out : In.Linked->Out)
      Edges += Out.size();
    phaseNote(llvm::Twine(In.Linked->Nodes.size()) + " nodes, " + llvm::Twine(Edges) + " edges");
  }
  std::vector<std::string> BuildDirs;
  for (const std::string &B : Builds)
    BuildDirs.push_back(absolutePath(B));

  std::set<std::string> Built = builtFiles(In.TUs, In.Root);
  if (Built.empty() && !Overlay) {
    // Every file would look orphaned and every rule unmatched: a wrong -p or
    // --root, not dead code.
    llvm::errs() << "reach-audit: error: no compile command in " << Opts.BuildPath
                 << " builds a file under " << In.Root << "; check -p and --root\n";
    return std::nullopt;
  }
  const SourceTree Tree = walkSourceTree(In.Root, BuildDirs);
  In.Orphans = findOrphans(In.Root, Tree, Built);
  In.NamedByBuild = namedByBuildFiles(In.Root, Tree, In.Orphans);
  addIncludedByUnbuilt(In.Root, In.Orphans, In.NamedByBuild);
  In.Built = std::move(Built);
  if (Overlay) // removed files are still on disk until fix writes its edits
    std::erase_if(In.Orphans, [&](const std::string &O) { return Overlay->Removed.count(In.Root + "/" + O); });
  Analysis A = analyze(std::move(In));
  phaseDone("analysis");
  if (Overlay) // fix's later rounds: what it deleted may be what a rule named
    return A;
  if (!reportRuleProblems(A, Opts.AllowUnmatched))
    return std::nullopt;
  return A;
}

Analysis *loadProjectUntilExit(const CommonOptions &Opts) {
  static Analysis *Kept = nullptr; // reachable to the end: not a leak to LeakSanitizer
  std::optional<Analysis> A = loadProject(Opts);
  if (!A)
    return nullptr;
  Kept = new Analysis(std::move(*A));
  return Kept;
}

std::vector<TUFailure> compileWithOverlay(const CommonOptions &Opts, const std::string &Root,
                                          const SourceOverlay &Overlay, const std::vector<std::string> &Files) {
  std::vector<TUFailure> Failed;
  std::unique_ptr<clang::tooling::CompilationDatabase> DB = openDatabase(Opts.BuildPath);
  if (!DB) // read a moment ago: only a vanished build folder gets here
    return {{Opts.BuildPath, "the compile database cannot be read any more"}};
  RunOptions Run;
  Run.Root = Root;
  Run.Jobs = Opts.Jobs;
  Run.ExtraArgs = Opts.ExtraArgs;
  Run.Overlay = std::make_shared<const std::map<std::string, std::string>>(Overlay.Contents);
  Run.CompileCheckOnly = true;
  for (const TUSummary &TU : extractAll(*DB, Files, Run))
    if (TU.Failed)
      Failed.push_back({TU.MainFile, TU.FirstError, TU.Errors});
  return Failed;
}

} // namespace reach
