// reach-audit scan: verdicts for every definition and file, the text
// summary, and the reports asked for (JSON, SARIF, Graphviz, HTML). Also
// its two halves for CI matrices: `scan --shard I/N` extracts a part of
// the TUs into an index, and `merge DIR...` reports from the parts.
#include "report/JsonReport.h"
#include "report/TextReport.h"
#include "tool/Commands.h"
#include "tool/LoadProject.h"
#include "tool/FocusOutput.h"
#include "tool/ReportOutputs.h"
#include "tool/Shards.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace reach {

namespace {

cl::SubCommand ScanCmd("scan", "Analyse the program: verdicts for every definition and file");
cl::SubCommand MergeCmd("merge", "Report from the indexes of `scan --shard` runs, as one scan would");
cl::OptionCategory ScanCategory("reach-audit scan options");
cl::opt<std::string> Shard("shard",
                           cl::desc("Extract only part I of N of the translation units into the index "
                                    "(--index), and report nothing; `merge` reports from the parts"),
                           cl::value_desc("I/N"), cl::sub(ScanCmd), cl::cat(ScanCategory));
cl::list<std::string> ShardDirs(cl::Positional, cl::desc("INDEX_DIR..."), cl::OneOrMore, cl::sub(MergeCmd),
                                cl::cat(ScanCategory));
cl::opt<std::string> JsonPath("json", cl::desc("Write the version-1 JSON report"),
                              cl::value_desc("FILE"), cl::sub(ScanCmd), cl::sub(MergeCmd), cl::cat(ScanCategory));
cl::opt<std::string> SarifPath("sarif", cl::desc("Write SARIF 2.1.0 (code scanning)"),
                               cl::value_desc("FILE"), cl::sub(ScanCmd), cl::sub(MergeCmd), cl::cat(ScanCategory));
cl::opt<std::string> DotPath("dot", cl::desc("Write the module graph as Graphviz DOT"),
                             cl::value_desc("FILE"), cl::sub(ScanCmd), cl::sub(MergeCmd), cl::cat(ScanCategory));
cl::opt<std::string> SvgPath("svg", cl::desc("Write the module graph as SVG"),
                             cl::value_desc("FILE"), cl::sub(ScanCmd), cl::sub(MergeCmd), cl::cat(ScanCategory));
cl::opt<std::string> HtmlPath("html", cl::desc("Write the self-contained HTML report"),
                              cl::value_desc("FILE"), cl::sub(ScanCmd), cl::sub(MergeCmd), cl::cat(ScanCategory));
cl::opt<int> Depth("depth",
                   cl::desc("Module view (--svg/--dot/--html): collapse folders below N levels into one box; "
                            "0: a box per file (default: per file up to 40 files, else the deepest depth "
                            "with at most 40 boxes)"),
                   cl::value_desc("N"), cl::init(-1), cl::sub(ScanCmd), cl::sub(MergeCmd), cl::cat(ScanCategory));
enum class Format { Text, Compiler };
cl::opt<Format> OutputFormat("format", cl::desc("The summary on stdout"),
                             cl::values(clEnumValN(Format::Text, "text", "counts and findings by file (default)"),
                                        clEnumValN(Format::Compiler, "compiler",
                                                   "file:line:col: warning: ... [reach-dead], a line per finding")),
                             cl::init(Format::Text), cl::sub(ScanCmd), cl::sub(MergeCmd), cl::cat(ScanCategory));
cl::opt<bool> Verbose("verbose", cl::desc("List every test-only definition, not a count per file"),
                      cl::sub(ScanCmd), cl::sub(MergeCmd), cl::cat(ScanCategory));
cl::opt<bool> KeepGoing("keep-going",
                        cl::desc("Report even when some translation units do not compile"),
                        cl::sub(ScanCmd), cl::sub(MergeCmd), cl::cat(ScanCategory));

/// Errors first, on stderr, paths relative to the root like the report.
void printTUProblems(const Analysis &A) {
  auto Rel = [&](std::string S) {
    for (size_t P; (P = S.find(A.Root + "/")) != std::string::npos;)
      S.erase(P, A.Root.size() + 1);
    return S;
  };
  for (const TUFailure &F : A.HeaderErrors)
    errs() << "reach-audit: warning: " << Rel(F.File)
           << " was read despite errors in a header outside the project: " << F.Error << "\n";
  for (const TUFailure &F : A.Failures)
    errs() << "reach-audit: error: " << Rel(F.File) << " does not compile: " << Rel(F.Error) << "\n";
  errs().flush();
}

int runScan(const CommonOptions &Common) {
  if (Shard.getNumOccurrences()) {
    if (!JsonPath.empty() || !SarifPath.empty() || !DotPath.empty() || !SvgPath.empty() || !HtmlPath.empty()) {
      errs() << "reach-audit: error: --shard writes only the index; reports come from `reach-audit merge`\n";
      return ExitUsage;
    }
    return scanShard(Common, Shard, KeepGoing);
  }
  ReportOutputs Reports{SarifPath, DotPath, SvgPath, HtmlPath, Depth};
  if (!outputsWritable({JsonPath, Reports.Sarif, Reports.Dot, Reports.Svg, Reports.Html}))
    return ExitUsage;
  Analysis *A = loadProjectUntilExit(Common);
  if (!A)
    return ExitUsage;
  printTUProblems(*A);
  // `--json -`: stdout is the JSON alone; the summary goes to stderr.
  raw_ostream &Summary = JsonPath == "-" ? errs() : outs();
  if (OutputFormat == Format::Compiler)
    printCompilerDiagnostics(*A, Summary);
  else
    printTextReport(*A, Summary, Verbose);
  outs().flush();
  if (!JsonPath.empty() && !writeTextFile(JsonPath, renderJsonReport(*A)))
    return ExitUsage;
  if (int RC = writeScanReports(*A, Reports))
    return RC;
  if (!A->Failures.empty() && !KeepGoing) {
    errs() << "reach-audit: error: " << A->Failures.size()
           << " translation unit(s) did not compile; fix them or pass --keep-going\n";
    return ExitUsage;
  }
  return ExitOk;
}

int runMerge(const CommonOptions &Common) {
  if (!adoptShards(Common, ShardDirs))
    return ExitUsage;
  CommonOptions Merged = Common;
  Merged.ExpectIndexed = true;
  return runScan(Merged);
}

} // namespace

Command scanCommand() { return {&ScanCmd, runScan}; }
Command mergeCommand() { return {&MergeCmd, runMerge}; }

} // namespace reach
