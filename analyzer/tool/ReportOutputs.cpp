#include "tool/ReportOutputs.h"

#include "report/HtmlReport.h"
#include "report/ModuleView.h"
#include "report/SarifReport.h"
#include "tool/FocusOutput.h"
#include "tool/Options.h"
#include "tool/ProjectRules.h"

#include "llvm/Support/raw_ostream.h"

namespace reach {

int writeReportOutputs(const Analysis &A, const std::vector<Finding> &F, const ReportOutputs &Out,
                       const std::set<std::string> *Baseline) {
  if (!Out.Sarif.empty() && !writeTextFile(Out.Sarif, renderSarif(F, A.Root, Baseline)))
    return ExitUsage;
  if (!Out.Dot.empty() || !Out.Svg.empty())
    if (int RC = writeFocusGraph(drawModules(A), Out.Dot, Out.Svg))
      return RC;
  if (!Out.Html.empty()) {
    std::string Svg, Error;
    if (!renderGraph(drawModules(A), "svg", Svg, Error))
      llvm::errs() << "reach-audit: warning: " << Out.Html << ": module graph left out: " << Error << "\n";
    if (!writeTextFile(Out.Html, renderHtml(A, buildQueryGraph(A.G), Svg)))
      return ExitUsage;
  }
  return ExitOk;
}

int writeScanReports(const Analysis &A, const CommonOptions &Common, const ReportOutputs &Out) {
  if (!Out.any())
    return ExitOk;
  auto R = loadProjectRules(Common, A.Root);
  if (!R)
    return ExitUsage;
  std::string Error;
  auto F = collectFindings(A, *R, Error);
  if (!F) {
    llvm::errs() << "reach-audit: error: "
                 << (Common.RulesPath.empty() ? A.Root + "/reach.yaml" : Common.RulesPath) << ": " << Error
                 << "\n";
    return ExitUsage;
  }
  return writeReportOutputs(A, *F, Out);
}

} // namespace reach
