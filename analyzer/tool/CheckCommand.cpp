// reach-audit check --baseline F: the CI gate. Exit 1 when there are
// findings (dead code, test-only code in production files, orphaned files,
// policy violations) the baseline does not list; --update-baseline writes
// the current findings as the new baseline; --new-only --base REV keeps
// only findings on lines changed since REV.
#include "check/Baseline.h"
#include "check/GitDiff.h"
#include "tool/Commands.h"
#include "tool/LoadProject.h"
#include "tool/FocusOutput.h"
#include "tool/ReportOutputs.h"

#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace {

cl::SubCommand CheckCmd("check", "CI gate: fail on findings the baseline does not list");
cl::opt<std::string> BaselinePath("baseline", cl::desc("Baseline file (e.g. reports/baseline.json)"),
                                  cl::value_desc("FILE"), cl::sub(CheckCmd));
cl::opt<bool> Update("update-baseline", cl::desc("Write the current findings to the baseline"),
                     cl::sub(CheckCmd));
cl::opt<bool> NewOnly("new-only", cl::desc("Only findings on lines changed since --base"),
                      cl::sub(CheckCmd));
cl::opt<std::string> Base("base", cl::desc("Git revision for --new-only"), cl::value_desc("REV"),
                          cl::sub(CheckCmd));
cl::opt<bool> KeepGoing("keep-going", cl::desc("Check even when some translation units do not compile"),
                        cl::sub(CheckCmd));
cl::opt<std::string> Sarif("sarif", cl::desc("Write SARIF 2.1.0 (with baselineState)"),
                           cl::value_desc("FILE"), cl::sub(CheckCmd));
cl::opt<std::string> Dot("dot", cl::desc("Write the module graph as DOT"), cl::value_desc("FILE"),
                         cl::sub(CheckCmd));
cl::opt<std::string> Svg("svg", cl::desc("Write the module graph as SVG"), cl::value_desc("FILE"),
                         cl::sub(CheckCmd));
cl::opt<std::string> Html("html", cl::desc("Write the HTML report"), cl::value_desc("FILE"),
                          cl::sub(CheckCmd));
cl::opt<int> Depth("depth", cl::desc("Module view: collapse folders below N levels (0: a box per file)"),
                   cl::value_desc("N"), cl::init(-1), cl::sub(CheckCmd));

void print(const reach::Finding &F, raw_ostream &OS) {
  OS << "  " << F.File << ":" << F.Line << ": " << reach::toString(F.Kind) << ": " << F.Message << "\n";
}

/// The option combinations check refuses, before any analysis.
bool optionsUsable() {
  if (BaselinePath.empty() && (Update || !NewOnly)) {
    errs() << "reach-audit: error: check needs --baseline FILE (e.g. reports/baseline.json); "
              "create one with --update-baseline\n";
    return false;
  }
  if (NewOnly != !Base.empty()) {
    errs() << "reach-audit: error: --new-only and --base REV go together (e.g. --new-only --base "
              "origin/main)\n";
    return false;
  }
  return reach::outputsWritable({Update ? std::string(BaselinePath) : std::string(), Sarif, Dot, Svg, Html});
}

/// Failed TUs are errors (exit 2) unless --keep-going.
bool allCompiled(const reach::Analysis &A) {
  for (const reach::TUFailure &F : A.Failures)
    errs() << "reach-audit: error: " << F.File << " does not compile: " << F.Error << "\n";
  if (A.Failures.empty() || KeepGoing)
    return true;
  errs() << "reach-audit: error: " << A.Failures.size()
         << " translation unit(s) did not compile; fix them or pass --keep-going\n";
  return false;
}

/// The baseline's keys (none without --baseline), or nullopt after an error.
std::optional<std::set<std::string>> acceptedFindings() {
  if (BaselinePath.empty())
    return std::set<std::string>{};
  std::string Error;
  auto Keys = reach::readBaseline(BaselinePath, Error);
  if (!Keys)
    errs() << "reach-audit: error: " << Error << "\n";
  return Keys;
}

/// The summary line, the new findings, and how many baseline ones are gone.
void printOutcome(const std::vector<reach::Finding> &All, const std::vector<reach::Finding> &Considered,
                  const std::vector<reach::Finding> &New, const std::set<std::string> &Accepted) {
  std::set<std::string> Current;
  for (const reach::Finding &F : All)
    Current.insert(F.Key);
  size_t Gone = 0;
  for (const std::string &K : Accepted)
    Gone += !Current.count(K);
  outs() << "reach-audit check: " << All.size() << " finding(s), " << Accepted.size() << " in the baseline";
  if (NewOnly)
    outs() << ", " << Considered.size() << " on lines changed since " << Base;
  outs() << ", " << New.size() << " new\n";
  if (!New.empty()) {
    outs() << "new findings:\n";
    for (const reach::Finding &F : New)
      print(F, outs());
  }
  if (Gone)
    outs() << Gone << " baseline finding(s) are fixed; run with --update-baseline to drop them\n";
  outs().flush();
}

int updateBaseline(const reach::Analysis &A, const std::vector<reach::Finding> &Findings) {
  if (!reach::writeTextFile(BaselinePath, reach::renderBaseline(Findings)))
    return reach::ExitUsage;
  outs() << "reach-audit: wrote " << Findings.size() << " finding(s) to " << BaselinePath << "\n";
  return reach::writeReportOutputs(A, Findings, reach::ReportOutputs{Sarif, Dot, Svg, Html, Depth});
}

int runCheck(const reach::CommonOptions &Common) {
  if (!optionsUsable())
    return reach::ExitUsage;
  reach::Analysis *A = reach::loadProjectUntilExit(Common);
  if (!A || !allCompiled(*A))
    return reach::ExitUsage;
  std::string Error;
  auto Findings = reach::collectFindings(*A, A->RulesUsed, Error);
  if (!Findings) {
    errs() << "reach-audit: error: " << A->RulesUsed.File << ": " << Error << "\n";
    return reach::ExitUsage;
  }
  if (Update)
    return updateBaseline(*A, *Findings);
  std::optional<std::set<std::string>> Accepted = acceptedFindings();
  if (!Accepted)
    return reach::ExitUsage;
  std::vector<reach::Finding> Considered = *Findings;
  if (NewOnly) {
    auto Changed = reach::changedSince(A->Root, Base, Error);
    if (!Changed) {
      errs() << "reach-audit: error: " << Error << "\n";
      return reach::ExitUsage;
    }
    Considered = reach::onlyChanged(Considered, *Changed);
  }
  std::vector<reach::Finding> New;
  for (const reach::Finding &F : Considered)
    if (!Accepted->count(F.Key))
      New.push_back(F);
  printOutcome(*Findings, Considered, New, *Accepted);
  reach::ReportOutputs Out{Sarif, Dot, Svg, Html};
  if (int RC = reach::writeReportOutputs(*A, Considered, Out, BaselinePath.empty() ? nullptr : &*Accepted))
    return RC;
  if (!New.empty()) {
    errs() << "reach-audit: check failed: " << New.size()
           << " new finding(s); fix them, or accept them with --update-baseline\n";
    return reach::ExitFindings;
  }
  return reach::ExitOk;
}

} // namespace

reach::Command reach::checkCommand() { return {&CheckCmd, runCheck}; }
