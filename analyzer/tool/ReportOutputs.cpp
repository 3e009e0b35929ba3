#include "tool/ReportOutputs.h"

#include "report/HtmlReport.h"
#include "report/ModuleView.h"
#include "report/SarifReport.h"
#include "tool/FocusOutput.h"
#include "tool/Options.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

namespace reach {

int writeReportOutputs(const Analysis &A, const std::vector<Finding> &F, const ReportOutputs &Out,
                       const std::set<std::string> *Baseline) {
  if (!Out.Sarif.empty() && !writeTextFile(Out.Sarif, renderSarif(F, A.Root, A.Failures, Baseline)))
    return ExitUsage;
  if (!Out.Dot.empty() || !Out.Svg.empty())
    if (int RC = writeFocusGraph(drawModules(A, Out.Depth), Out.Dot, Out.Svg))
      return RC;
  if (!Out.Html.empty()) {
    std::string Svg, Error;
    if (!renderGraph(drawModules(A, Out.Depth), "svg", Svg, Error))
      llvm::errs() << "reach-audit: warning: " << Out.Html << ": module graph left out: " << Error << "\n";
    if (!writeTextFile(Out.Html, renderHtml(A, buildQueryGraph(A.G), Svg)))
      return ExitUsage;
  }
  return ExitOk;
}

/// Why P cannot be written, or null.
static const char *whyNotWritable(const std::string &P) {
  std::string Dir(llvm::sys::path::parent_path(P));
  if (Dir.empty())
    Dir = ".";
  if (!llvm::sys::fs::is_directory(Dir))
    return "its folder does not exist";
  if (llvm::sys::fs::exists(P))
    return llvm::sys::fs::access(P, llvm::sys::fs::AccessMode::Write) ? "the file is not writable" : nullptr;
  return llvm::sys::fs::access(Dir, llvm::sys::fs::AccessMode::Write) ? "its folder is not writable" : nullptr;
}

bool outputsWritable(const std::vector<std::string> &Paths) {
  for (const std::string &P : Paths) {
    if (P.empty() || P == "-")
      continue;
    if (const char *Why = whyNotWritable(P)) {
      llvm::errs() << "reach-audit: error: cannot write " << P << ": " << Why
                   << " (checked before the analysis)\n";
      return false;
    }
  }
  return true;
}

int writeScanReports(const Analysis &A, const ReportOutputs &Out) {
  if (!Out.any())
    return ExitOk;
  std::string Error;
  auto F = collectFindings(A, A.RulesUsed, Error);
  if (!F) {
    llvm::errs() << "reach-audit: error: " << A.RulesUsed.File << ": " << Error << "\n";
    return ExitUsage;
  }
  return writeReportOutputs(A, *F, Out);
}

} // namespace reach
