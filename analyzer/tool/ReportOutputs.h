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
  int Depth = -1; // the module view's folder depth (report/ModuleView.h); -1: chosen by size
  bool any() const { return !Sarif.empty() || !Dot.empty() || !Svg.empty() || !Html.empty(); }
};

/// For scan: collects the findings (with the rules' policies) and writes
/// the requested files. Returns 0, or 2 after printing the error.
int writeScanReports(const Analysis &A, const ReportOutputs &Out);

/// Before any analysis: each output path (not "-") must be a file that can
/// be written in a folder that exists. Prints the first problem; false then.
bool outputsWritable(const std::vector<std::string> &Paths);

/// Writes every requested file. Returns 0, or 2 after printing the error.
int writeReportOutputs(const Analysis &A, const std::vector<Finding> &F, const ReportOutputs &Out,
                       const std::set<std::string> *Baseline = nullptr);

} // namespace reach
