#include "tool/ProjectRules.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

namespace reach {

std::optional<Rules> loadProjectRules(const CommonOptions &Opts, const std::string &Root) {
  std::string Path = Opts.RulesPath.empty() ? Root + "/reach.yaml" : Opts.RulesPath;
  if (Opts.RulesPath.empty() && !llvm::sys::fs::exists(Path))
    return Rules::defaults();
  std::string Error;
  auto R = loadRules(Path, Error);
  if (!R)
    llvm::errs() << Error << "\n";
  return R;
}

} // namespace reach
