#include "tool/FocusOutput.h"
#include "tool/Options.h"

#include "llvm/Support/raw_ostream.h"

namespace reach {

bool writeTextFile(const std::string &Path, const std::string &Text) {
  std::error_code EC;
  llvm::raw_fd_ostream OS(Path, EC);
  if (EC) {
    llvm::errs() << "reach-audit: error: cannot write " << Path << ": " << EC.message()
                 << "; check that its folder exists and is writable\n";
    return false;
  }
  OS << Text;
  OS.close();
  if (OS.has_error()) { // a full disk, /dev/full: not "LLVM ERROR" at exit
    llvm::errs() << "reach-audit: error: cannot write " << Path << ": " << OS.error().message() << "\n";
    OS.clear_error();
    return false;
  }
  return true;
}

int writeFocusGraph(const DrawGraph &D, const std::string &DotPath, const std::string &SvgPath) {
  for (auto [Path, Format] : {std::pair{DotPath, "dot"}, std::pair{SvgPath, "svg"}}) {
    if (Path.empty())
      continue;
    std::string Text, Error;
    if (!renderGraph(D, Format, Text, Error)) {
      llvm::errs() << "reach-audit: error: " << Path << ": " << Error << "\n";
      return ExitUsage;
    }
    if (!writeTextFile(Path, Text))
      return ExitUsage;
  }
  return ExitOk;
}

} // namespace reach
