// The report files scan and check write besides their text: SARIF, the
// module view as DOT and SVG, and the HTML report.
#pragma once

#include "check/Findings.h"

#include <set>
#include <string>

namespace reach {

struct ReportOutputs {
  std::string Sarif, Dot, Svg, Html;
  bool any() const { return !Sarif.empty() || !Dot.empty() || !Svg.empty() || !Html.empty(); }
};

/// Writes every requested file. Returns 0, or 2 after printing the error.
int writeReportOutputs(const Analysis &A, const std::vector<Finding> &F, const ReportOutputs &Out,
                       const std::set<std::string> *Baseline = nullptr);

} // namespace reach
