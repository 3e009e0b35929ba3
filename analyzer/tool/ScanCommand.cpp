#include "tool/Options.h"

#include "extract/Runner.h"
#include "graph/Orphans.h"
#include "report/JsonReport.h"
#include "report/TextReport.h"
#include "tool/FocusOutput.h"
#include "tool/ReportOutputs.h"
#include "rules/Rules.h"

#include "clang/Tooling/CompilationDatabase.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>

namespace reach {

static std::string absolutePath(llvm::StringRef P) {
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

/// clang's loader reports a malformed compile_commands.json as a YAML
/// diagnostic and goes on with what it could read; here it is an input
/// error naming the file, the line and the column.
static bool checkDatabaseJson(const std::string &BuildDir) {
  std::string Path = BuildDir + "/compile_commands.json";
  auto Buf = llvm::MemoryBuffer::getFile(Path);
  if (!Buf)
    return true; // no JSON database: clang looks for the other kinds
  llvm::StringRef Text = (*Buf)->getBuffer();
  llvm::Expected<llvm::json::Value> V = llvm::json::parse(Text);
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

static std::string rulesIn(const std::string &Dir) {
  for (const char *Name : {"reach.yaml", ".reach.yaml"})
    if (llvm::sys::fs::is_regular_file(Dir + "/" + Name))
      return Dir + "/" + Name;
  return "";
}

/// reach.yaml or .reach.yaml in Dir or the nearest folder above it, as
/// clang-tidy finds .clang-tidy; "" if none.
static std::string findRulesUpward(std::string Dir) {
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

std::optional<Analysis> loadProject(const CommonOptions &Opts, const SourceOverlay *Overlay) {
  // Without --rules: the root's reach.yaml (or .reach.yaml); without
  // --root either, the nearest one from the current folder upward, whose
  // folder is then the root (run from a subfolder, as linters are).
  std::string RulesPath = Opts.RulesPath;
  bool Discovered = false;
  if (RulesPath.empty() && !Opts.Root.empty())
    RulesPath = rulesIn(absolutePath(Opts.Root));
  else if (RulesPath.empty()) {
    RulesPath = findRulesUpward(absolutePath("."));
    Discovered = !RulesPath.empty();
  }
  std::string Root = absolutePath(
      !Opts.Root.empty() ? Opts.Root
      : Discovered       ? std::string(llvm::sys::path::parent_path(RulesPath))
                         : ".");
  if (Discovered && Root != absolutePath("."))
    llvm::errs() << "reach-audit: using rules " << RulesPath << " (root " << Root << ")\n";
  if (!llvm::sys::fs::is_directory(Root)) {
    llvm::errs() << "reach-audit: error: --root " << Root << " is not a directory\n";
    return std::nullopt;
  }
  if (Opts.BuildPath.empty()) {
    llvm::errs() << "reach-audit: error: no build directory; pass -p BUILD_DIR (the folder "
                    "holding compile_commands.json, e.g. from -DCMAKE_EXPORT_COMPILE_COMMANDS=ON)\n";
    return std::nullopt;
  }
  if (!checkDatabaseJson(Opts.BuildPath))
    return std::nullopt;
  std::string DBError;
  auto DB = clang::tooling::CompilationDatabase::loadFromDirectory(Opts.BuildPath, DBError);
  if (!DB) {
    llvm::errs() << "reach-audit: error: " << Opts.BuildPath
                 << ": cannot load compile_commands.json: " << DBError
                 << "\n  configure the build with -DCMAKE_EXPORT_COMPILE_COMMANDS=ON\n";
    return std::nullopt;
  }

  Rules R;
  if (!RulesPath.empty()) {
    std::string Error;
    auto Loaded = loadRules(RulesPath, Error);
    if (!Loaded) {
      llvm::errs() << Error << "\n";
      return std::nullopt;
    }
    R = std::move(*Loaded);
  } else {
    R = Rules::defaults();
  }

  std::vector<std::string> Files = DB->getAllFiles();
  if (Files.empty()) {
    llvm::errs() << "reach-audit: error: " << Opts.BuildPath
                 << ": the compile database has no entries; configure the build first\n";
    return std::nullopt;
  }
  std::sort(Files.begin(), Files.end());
  Files.erase(std::unique(Files.begin(), Files.end()), Files.end());
  if (Overlay)
    std::erase_if(Files, [&](const std::string &F) { return Overlay->Removed.count(absolutePath(F)); });

  RunOptions Run;
  Run.Root = Root;
  Run.Jobs = Opts.Jobs;
  Run.ExtraArgs = Opts.ExtraArgs;
  Run.Progress = llvm::sys::Process::StandardErrIsDisplayed();
  if (Overlay)
    Run.Overlay = std::make_shared<const std::map<std::string, std::string>>(Overlay->Contents);
  AnalysisInput In;
  In.Root = Root;
  In.R = std::move(R);
  // A listed source that does not exist (a stale database, a generated
  // file not built yet) is a TU that failed, not one to skip in silence:
  // exit 2 unless --keep-going, and nothing it might use is called dead.
  std::vector<TUSummary> Missing;
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
  In.TUs = extractAll(*DB, Files, Run);
  std::move(Missing.begin(), Missing.end(), std::back_inserter(In.TUs));

  std::set<std::string> Built;
  for (const TUSummary &TU : In.TUs) {
    Built.insert(TU.FilesSeen.begin(), TU.FilesSeen.end());
    llvm::StringRef Main = TU.MainFile;
    std::string Abs = absolutePath(Main);
    llvm::StringRef Rel = Abs;
    if (Rel.consume_front(Root) && Rel.consume_front("/"))
      Built.insert(Rel.str()); // a TU that failed early still counts as built
  }
  if (Built.empty() && !Overlay) {
    // Every file would look orphaned and every rule unmatched: a wrong -p or
    // --root, not dead code.
    llvm::errs() << "reach-audit: error: no compile command in " << Opts.BuildPath
                 << " builds a file under " << Root << "; check -p and --root\n";
    return std::nullopt;
  }
  In.Orphans = findOrphans(Root, {absolutePath(Opts.BuildPath)}, Built);
  In.Built = std::move(Built);
  if (Overlay) // removed files are still on disk until fix writes its edits
    std::erase_if(In.Orphans, [&](const std::string &O) { return Overlay->Removed.count(Root + "/" + O); });
  Analysis A = analyze(std::move(In));
  if (Overlay) // fix's later rounds: what it deleted may be what a rule named
    return A;
  for (const std::string &E : A.InlineKeepErrors)
    llvm::errs() << E << "\n";
  if (!A.InlineKeepErrors.empty())
    return std::nullopt;
  for (const UnmatchedRule &U : A.Unmatched)
    llvm::errs() << formatUnmatched(A.RulesUsed, U, Opts.AllowUnmatched ? "warning" : "error") << "\n";
  // A rule may name code in a TU that could not be read: say so first.
  if (!A.Unmatched.empty() && !A.Failures.empty())
    llvm::errs() << "reach-audit: note: " << A.Failures.size()
                 << " translation unit(s) were not analysed, which may hold what the rules name; first: "
                 << A.Failures.front().Error << "\n";
  if (!A.Unmatched.empty() && !Opts.AllowUnmatched) {
    llvm::errs() << "reach-audit: error: " << A.Unmatched.size()
                 << " rule(s) match nothing; correct them, or pass --allow-unmatched\n";
    return std::nullopt;
  }
  return A;
}

int runScan(const CommonOptions &Common, const std::string &JsonPath, bool KeepGoing,
            const ReportOutputs *Reports) {
  std::vector<std::string> Outputs{JsonPath};
  if (Reports)
    Outputs.insert(Outputs.end(), {Reports->Sarif, Reports->Dot, Reports->Svg, Reports->Html});
  if (!outputsWritable(Outputs))
    return ExitUsage;
  std::optional<Analysis> A = loadProject(Common);
  if (!A)
    return ExitUsage;
  // Errors first, on stderr, paths relative to the root like the report.
  auto Rel = [&](std::string S) {
    for (size_t P; (P = S.find(A->Root + "/")) != std::string::npos;)
      S.erase(P, A->Root.size() + 1);
    return S;
  };
  for (const TUFailure &F : A->HeaderErrors)
    llvm::errs() << "reach-audit: warning: " << Rel(F.File)
                 << " was read despite errors in a header outside the project: " << F.Error << "\n";
  for (const TUFailure &F : A->Failures)
    llvm::errs() << "reach-audit: error: " << Rel(F.File) << " does not compile: " << Rel(F.Error)
                 << "\n";
  llvm::errs().flush();
  // `--json -`: stdout is the JSON alone; the summary goes to stderr.
  printTextReport(*A, JsonPath == "-" ? llvm::errs() : llvm::outs());
  llvm::outs().flush();
  if (!JsonPath.empty() && !writeTextFile(JsonPath, renderJsonReport(*A)))
    return ExitUsage;
  if (Reports)
    if (int RC = writeScanReports(*A, *Reports))
      return RC;
  if (!A->Failures.empty() && !KeepGoing) {
    llvm::errs() << "reach-audit: error: " << A->Failures.size()
                 << " translation unit(s) did not compile; fix them or pass --keep-going\n";
    return ExitUsage;
  }
  return ExitOk;
}

} // namespace reach
