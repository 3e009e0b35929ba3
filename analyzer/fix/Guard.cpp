#include "fix/Guard.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"

#include <optional>

namespace reach {

int runCapture(const std::vector<std::string> &Args, std::string &Out) {
  auto Exe = llvm::sys::findProgramByName(Args[0]);
  if (!Exe)
    return -1;
  llvm::SmallString<128> OutFile;
  if (llvm::sys::fs::createTemporaryFile("reach-fix", "out", OutFile))
    return -1;
  std::vector<llvm::StringRef> Refs(Args.begin(), Args.end());
  std::optional<llvm::StringRef> Redirects[] = {llvm::StringRef(""), llvm::StringRef(OutFile),
                                                llvm::StringRef("")};
  int RC = llvm::sys::ExecuteAndWait(*Exe, Refs, std::nullopt, Redirects);
  if (auto Buf = llvm::MemoryBuffer::getFile(OutFile))
    Out = (*Buf)->getBuffer().str();
  llvm::sys::fs::remove(OutFile);
  return RC;
}

TreeGuard::TreeGuard(std::string R, std::string B, bool F)
    : Root(std::move(R)), BuildDir(std::move(B)), Force(F) {
  std::string Prefix, Status;
  if (runCapture({"git", "-C", Root, "rev-parse", "--show-prefix"}, Prefix) != 0)
    return;
  InGit = true;
  Prefix = llvm::StringRef(Prefix).trim().str();
  runCapture({"git", "-C", Root, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--", "."},
             Status);
  // Entries "XY path\0", renames "XY new\0old\0"; paths relative to the top.
  llvm::SmallVector<llvm::StringRef, 16> Entries;
  llvm::StringRef(Status).split(Entries, '\0', -1, false);
  for (size_t I = 0; I < Entries.size(); ++I) {
    llvm::StringRef E = Entries[I];
    if (E.size() < 4)
      continue;
    llvm::StringRef Path = E.drop_front(3);
    if (E[0] == 'R' || E[0] == 'C')
      ++I; // the old name follows
    if (Path.consume_front(Prefix))
      Dirty.insert(Path.str());
  }
}

bool TreeGuard::editable(const std::string &Rel) const {
  llvm::StringRef R = Rel;
  if (R.empty() || R.starts_with("/") || R.starts_with("../"))
    return false;
  std::string Abs = Root + "/" + Rel;
  // An in-source build (compile_commands.json in the root) protects nothing.
  if (!BuildDir.empty() && BuildDir != Root && llvm::StringRef(Abs).starts_with(BuildDir + "/"))
    return false;
  auto [It, New] = Generated.try_emplace(Rel, false);
  if (New) {
    // Generators mark their output in the first lines.
    if (auto Buf = llvm::MemoryBuffer::getFile(Abs)) {
      llvm::StringRef Head = (*Buf)->getBuffer();
      for (int Line = 0; Line < 5 && !Head.empty(); ++Line) {
        auto [L, Rest] = Head.split('\n');
        std::string Lower = L.lower();
        if (Lower.find("generated") != std::string::npos || L.contains("DO NOT EDIT"))
          It->second = true;
        Head = Rest;
      }
    }
  }
  return !It->second;
}

bool TreeGuard::gitRemove(const std::vector<std::string> &Rels, std::string &Error) const {
  if (!InGit || Rels.empty())
    return true;
  std::vector<std::string> Args = {"git", "-C", Root, "rm", "-q", "--cached", "--ignore-unmatch", "--"};
  Args.insert(Args.end(), Rels.begin(), Rels.end());
  std::string Out;
  if (runCapture(Args, Out) != 0) {
    Error = "git rm failed in " + Root + "; stage the removed files by hand";
    return false;
  }
  return true;
}

} // namespace reach
