// Options every subcommand shares (-p, --rules, --root, -j) and the inputs
// they resolve to. Later subcommands (why, blast, check, fix) reuse
// loadProject() and add their own options.
#pragma once

#include "graph/Analysis.h"

#include "llvm/Support/CommandLine.h"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace reach {

struct CommonOptions {
  std::string BuildPath;
  std::string RulesPath; // empty: <root>/reach.yaml
  std::string Root;      // empty: current directory
  unsigned Jobs = 0;
  std::vector<std::string> ExtraArgs; // after "--"
  bool AllowUnmatched = false;        // rules matching nothing: warnings, not errors
};

enum ExitCode { ExitOk = 0, ExitFindings = 1, ExitUsage = 2 };

/// Edits not yet written to disk (fix's fixpoint re-analyses them): absolute
/// path -> new contents, and absolute paths of files taken out of the build.
struct SourceOverlay {
  std::map<std::string, std::string> Contents;
  std::set<std::string> Removed;
};

/// Reads the compile database and rules, extracts every TU and analyses the
/// program. Prints errors and returns nullopt on input errors.
std::optional<Analysis> loadProject(const CommonOptions &Opts,
                                    const SourceOverlay *Overlay = nullptr);

struct ReportOutputs; // tool/ReportOutputs.h: --sarif, --dot, --svg, --html
int runScan(const CommonOptions &Common, const std::string &JsonPath, bool KeepGoing,
            const ReportOutputs *Reports = nullptr);

} // namespace reach
