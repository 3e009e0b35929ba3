#include "fix/Apply.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

namespace reach {
namespace {

std::string tempName(const std::string &Path) {
  llvm::SmallString<256> Model(Path);
  Model += ".reach-fix-%%%%%%";
  llvm::SmallString<256> Out;
  llvm::sys::fs::createUniquePath(Model, Out, /*MakeAbsolute=*/false);
  return std::string(Out.str());
}

bool writeFile(const std::string &Path, const std::string &Text, std::string &Error) {
  std::error_code EC;
  llvm::raw_fd_ostream OS(Path, EC);
  if (!EC) {
    OS << Text;
    OS.close();
    EC = OS.error();
  }
  if (EC)
    Error = Path + ": cannot write: " + EC.message();
  return !EC;
}

} // namespace

bool writeAtomically(const std::string &Path, const std::string &Text, unsigned Perms,
                     std::string &Error) {
  std::string Tmp = tempName(Path);
  if (!writeFile(Tmp, Text, Error))
    return false;
  llvm::sys::fs::setPermissions(Tmp, llvm::sys::fs::perms(Perms));
  if (std::error_code EC = llvm::sys::fs::rename(Tmp, Path)) {
    llvm::sys::fs::remove(Tmp);
    Error = Path + ": cannot replace: " + EC.message();
    return false;
  }
  return true;
}

bool Transaction::apply(const std::vector<FileChange> &Changes, std::string &Error) {
  // 1. Keep the originals and write every new text to a temporary.
  std::vector<std::pair<std::string, std::string>> Staged; // temp -> target
  auto Discard = [&] {
    for (auto &[Tmp, Target] : Staged)
      llvm::sys::fs::remove(Tmp);
  };
  for (const FileChange &C : Changes) {
    std::string Abs = Root + "/" + C.Path;
    llvm::sys::fs::file_status St;
    unsigned Perms = llvm::sys::fs::status(Abs, St) ? 0644u : unsigned(St.permissions());
    Saved.push_back({Abs, C.Before, Perms});
    if (C.Removed)
      continue;
    std::string Tmp = tempName(Abs);
    if (!writeFile(Tmp, C.After, Error)) {
      Discard();
      Saved.clear();
      return false;
    }
    llvm::sys::fs::setPermissions(Tmp, llvm::sys::fs::perms(Perms));
    Staged.push_back({Tmp, Abs});
  }
  // 2. Rename all into place, then remove the files that go.
  for (auto &[Tmp, Target] : Staged)
    if (std::error_code EC = llvm::sys::fs::rename(Tmp, Target)) {
      Error = Target + ": cannot replace: " + EC.message();
      Discard();
      std::string Ignored;
      rollback(Ignored);
      return false;
    }
  for (const FileChange &C : Changes)
    if (C.Removed)
      if (std::error_code EC = llvm::sys::fs::remove(Root + "/" + C.Path)) {
        Error = C.Path + ": cannot remove: " + EC.message();
        std::string Ignored;
        rollback(Ignored);
        return false;
      }
  return true;
}

bool Transaction::rollback(std::string &Error) {
  bool Ok = true;
  for (const Original &O : Saved) {
    std::string E;
    if (!writeAtomically(O.Path, O.Bytes, O.Perms, E)) {
      Ok = false;
      Error += E + "\n";
    }
  }
  return Ok;
}

int runShell(const std::string &Dir, const std::string &Command) {
  auto Sh = llvm::sys::findProgramByName("sh");
  if (!Sh)
    return -1;
  // $0 is the folder, so that no quoting of it is needed.
  std::string Script = "cd \"$0\" || exit 125\n" + Command;
  llvm::StringRef Args[] = {*Sh, "-c", Script, Dir};
  return llvm::sys::ExecuteAndWait(*Sh, Args);
}

} // namespace reach
