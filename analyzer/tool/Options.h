// Options every subcommand shares (-p, --rules, --root, -j), the exit
// statuses, and fix's overlay of edits not yet written. Each subcommand
// resolves them with loadProject() (tool/LoadProject.h).
#pragma once

#include <map>
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
  std::string IndexDir;               // empty: <BuildPath>/.reach
  bool NoIndex = false;               // parse every TU, read and write no index
  bool IndexStats = false;            // say which TUs the index gave and which were parsed
  bool ExpectIndexed = false;         // merge: a TU parsed here was in no shard (a warning)
  /// Further -p: other configurations of the same root (a CUDA build, a
  /// fuzz build), analysed with the first as one program.
  std::vector<std::string> OtherBuildPaths;
  std::vector<std::string> buildPaths() const {
    std::vector<std::string> All{BuildPath};
    All.insert(All.end(), OtherBuildPaths.begin(), OtherBuildPaths.end());
    return All;
  }
};

enum ExitCode { ExitOk = 0, ExitFindings = 1, ExitUsage = 2 };

/// Edits not yet written to disk (fix's fixpoint re-analyses them): absolute
/// path -> new contents, and absolute paths of files taken out of the build.
struct SourceOverlay {
  std::map<std::string, std::string> Contents;
  std::set<std::string> Removed;
};

} // namespace reach
