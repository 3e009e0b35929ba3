// The report files scan and check write besides their text: SARIF, the
// module view as DOT and SVG, and the HTML report.
#pragma once

#include "check/Findings.h"
#include "tool/Options.h"

#include <set>
#include <string>

namespace reach {

struct ReportOutputs {
  std::string Sarif, Dot, Svg, Html;
  bool any() const { return !Sarif.empty() || !Dot.empty() || !Svg.empty() || !Html.empty(); }
};

/// For scan: loads the rules' policies, collects the findings and writes
/// the requested files. Returns 0, or 2 after printing the error.
int writeScanReports(const Analysis &A, const CommonOptions &Common, const ReportOutputs &Out);

/// Writes every requested file. Returns 0, or 2 after printing the error.
int writeReportOutputs(const Analysis &A, const std::vector<Finding> &F, const ReportOutputs &Out,
                       const std::set<std::string> *Baseline = nullptr);

} // namespace reach
