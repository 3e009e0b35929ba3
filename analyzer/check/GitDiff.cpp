#include "check/GitDiff.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"

#include <sstream>

namespace reach {

bool ChangedLines::touches(const std::string &File, unsigned First, unsigned Last) const {
  auto It = Files.find(File);
  if (It == Files.end())
    return false;
  for (auto [B, E] : It->second)
    if (B <= Last && First <= E)
      return true;
  return false;
}

ChangedLines parseUnifiedDiff(const std::string &Diff) {
  ChangedLines C;
  std::istringstream In(Diff);
  std::string Line, File;
  while (std::getline(In, Line)) {
    if (Line.rfind("+++ ", 0) == 0) {
      File = Line.substr(4);
      if (File.rfind("b/", 0) == 0)
        File = File.substr(2);
      else if (File == "/dev/null")
        File.clear(); // a deleted file: nothing of it is left to report
      continue;
    }
    if (Line.rfind("@@ ", 0) != 0 || File.empty())
      continue;
    // @@ -a[,b] +c[,d] @@ : d lines starting at c are new (d = 1 when absent).
    size_t Plus = Line.find(" +");
    if (Plus == std::string::npos)
      continue;
    unsigned Start = 0, Count = 1;
    std::string Range = Line.substr(Plus + 2, Line.find(' ', Plus + 2) - Plus - 2);
    if (size_t Comma = Range.find(','); Comma != std::string::npos) {
      Start = unsigned(std::stoul(Range.substr(0, Comma)));
      Count = unsigned(std::stoul(Range.substr(Comma + 1)));
    } else {
      Start = unsigned(std::stoul(Range));
    }
    if (Count > 0)
      C.Files[File].push_back({Start, Start + Count - 1});
  }
  return C;
}

static std::optional<std::string> git(const std::string &Root, std::vector<std::string> Args,
                                      std::string &Error) {
  auto Git = llvm::sys::findProgramByName("git");
  if (!Git) {
    Error = "git not found on PATH; --new-only needs git";
    return std::nullopt;
  }
  llvm::SmallString<128> OutPath, ErrPath;
  llvm::sys::fs::createTemporaryFile("reach-git", "out", OutPath);
  llvm::sys::fs::createTemporaryFile("reach-git", "err", ErrPath);
  Args.insert(Args.begin(), {"git", "-C", Root});
  std::vector<llvm::StringRef> Refs(Args.begin(), Args.end());
  std::optional<llvm::StringRef> Redirects[] = {std::nullopt, llvm::StringRef(OutPath),
                                                llvm::StringRef(ErrPath)};
  int RC = llvm::sys::ExecuteAndWait(*Git, Refs, std::nullopt, Redirects);
  auto Out = llvm::MemoryBuffer::getFile(OutPath), Err = llvm::MemoryBuffer::getFile(ErrPath);
  llvm::sys::fs::remove(OutPath);
  llvm::sys::fs::remove(ErrPath);
  if (RC != 0) {
    Error = "git " + Args[3] + " failed in " + Root + ": " + (Err ? (*Err)->getBuffer().trim().str() : "");
    return std::nullopt;
  }
  return Out ? (*Out)->getBuffer().str() : std::string();
}

std::optional<ChangedLines> changedSince(const std::string &Root, const std::string &Rev,
                                         std::string &Error) {
  // --relative: paths relative to the root, like the findings', even when
  // the root is a folder inside the repository.
  auto Diff = git(Root, {"diff", "--unified=0", "--no-color", "--no-ext-diff", "--relative", Rev, "--"},
                  Error);
  if (!Diff)
    return std::nullopt;
  ChangedLines C = parseUnifiedDiff(*Diff);
  auto Untracked = git(Root, {"ls-files", "--others", "--exclude-standard"}, Error);
  if (!Untracked)
    return std::nullopt;
  std::istringstream In(*Untracked);
  for (std::string Path; std::getline(In, Path);)
    if (!Path.empty())
      C.Files[Path].push_back({1, ~0u});
  return C;
}

std::vector<Finding> onlyChanged(const std::vector<Finding> &F, const ChangedLines &C) {
  std::vector<Finding> R;
  for (const Finding &X : F)
    if (C.touches(X.File, X.Line, std::max(X.Line, X.EndLine)))
      R.push_back(X);
  return R;
}

} // namespace reach
