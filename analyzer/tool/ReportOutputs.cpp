#include "tool/ReportOutputs.h"

#include "report/ModuleView.h"
#include "report/SarifReport.h"
#include "tool/FocusOutput.h"
#include "tool/Options.h"

namespace reach {

int writeReportOutputs(const Analysis &A, const std::vector<Finding> &F, const ReportOutputs &Out,
                       const std::set<std::string> *Baseline) {
  if (!Out.Sarif.empty() && !writeTextFile(Out.Sarif, renderSarif(F, A.Root, Baseline)))
    return ExitUsage;
  if (!Out.Dot.empty() || !Out.Svg.empty())
    if (int RC = writeFocusGraph(drawModules(A), Out.Dot, Out.Svg))
      return RC;
  return ExitOk;
}

} // namespace reach
