#include "graph/Orphans.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"

#include <algorithm>

namespace reach {

bool isSourceFile(const std::string &Path) {
  llvm::StringRef Ext = llvm::sys::path::extension(Path);
  for (const char *E : {".c", ".cc", ".cpp", ".cxx", ".c++", ".C", ".h", ".hh", ".hpp",
                        ".hxx", ".h++", ".inl", ".ipp", ".tcc", ".cu", ".cuh"})
    if (Ext == E)
      return true;
  return false;
}

namespace {

/// Asks git which of Paths are ignored; an empty set when Root is not a git
/// work tree or git is missing (then nothing is treated as ignored).
std::set<std::string> gitIgnored(const std::string &Root, const std::vector<std::string> &Paths) {
  std::set<std::string> Ignored;
  auto Git = llvm::sys::findProgramByName("git");
  if (!Git || Paths.empty())
    return Ignored;
  llvm::SmallString<128> In, Out;
  if (llvm::sys::fs::createTemporaryFile("reach-ignore-in", "txt", In) ||
      llvm::sys::fs::createTemporaryFile("reach-ignore-out", "txt", Out))
    return Ignored;
  {
    std::error_code EC;
    llvm::raw_fd_ostream OS(In, EC);
    for (const std::string &P : Paths)
      OS << P << "\n";
  }
  std::optional<llvm::StringRef> Redirects[] = {llvm::StringRef(In), llvm::StringRef(Out),
                                                llvm::StringRef("")};
  llvm::StringRef Args[] = {*Git, "-C", Root, "check-ignore", "--stdin"};
  llvm::sys::ExecuteAndWait(*Git, Args, std::nullopt, Redirects);
  if (auto Buf = llvm::MemoryBuffer::getFile(Out)) {
    llvm::SmallVector<llvm::StringRef> Lines;
    (*Buf)->getBuffer().split(Lines, '\n', -1, false);
    for (llvm::StringRef L : Lines)
      Ignored.insert(L.trim().str());
  }
  llvm::sys::fs::remove(In);
  llvm::sys::fs::remove(Out);
  return Ignored;
}

} // namespace

std::vector<std::string> findOrphans(const std::string &Root,
                                     const std::vector<std::string> &SkipDirs,
                                     const std::set<std::string> &Built) {
  std::vector<std::string> Candidates;
  std::error_code EC;
  for (llvm::sys::fs::recursive_directory_iterator It(Root, EC), End; It != End && !EC;
       It.increment(EC)) {
    llvm::StringRef Path = It->path();
    llvm::StringRef Name = llvm::sys::path::filename(Path);
    bool IsDir = It->type() == llvm::sys::fs::file_type::directory_file;
    if (IsDir) {
      bool Skip = Name.starts_with(".") || Name == "node_modules";
      for (const std::string &S : SkipDirs)
        Skip |= llvm::StringRef(Path).rtrim('/') == llvm::StringRef(S).rtrim('/');
      // A CMake build tree anywhere under the root is generated, not source.
      Skip |= llvm::sys::fs::exists(Path + "/CMakeCache.txt");
      if (Skip)
        It.no_push();
      continue;
    }
    if (!isSourceFile(Path.str()))
      continue;
    llvm::StringRef Rel = Path;
    if (!Rel.consume_front(Root) || !Rel.consume_front("/"))
      continue;
    if (!Built.count(Rel.str()))
      Candidates.push_back(Rel.str());
  }
  std::set<std::string> Ignored = gitIgnored(Root, Candidates);
  std::vector<std::string> R;
  for (const std::string &C : Candidates)
    if (!Ignored.count(C))
      R.push_back(C);
  std::sort(R.begin(), R.end());
  return R;
}

} // namespace reach
