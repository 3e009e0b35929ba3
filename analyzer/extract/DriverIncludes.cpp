#include "extract/DriverIncludes.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"

#include <optional>

namespace reach {

bool isGccDriver(const std::string &Argv0) {
  llvm::StringRef Name = llvm::sys::path::filename(Argv0);
  if (Name.contains("clang"))
    return false;
  // A version suffix: g++-12, gcc-13.2.
  auto [Stem, Version] = Name.rsplit('-');
  if (!Version.empty() && Version.find_first_not_of("0123456789.") == llvm::StringRef::npos)
    Name = Stem;
  // A target prefix: x86_64-linux-gnu-g++.
  for (llvm::StringRef Known : {"g++", "gcc", "c++", "cc"})
    if (Name == Known || Name.ends_with(("-" + Known).str()))
      return true;
  return false;
}

std::vector<std::string> parseSearchList(const std::string &Output) {
  std::vector<std::string> Dirs;
  bool In = false;
  llvm::SmallVector<llvm::StringRef> Lines;
  llvm::StringRef(Output).split(Lines, '\n');
  for (llvm::StringRef Line : Lines) {
    Line = Line.rtrim("\r");
    if (Line.starts_with("#include <...> search starts here:")) {
      In = true;
      continue;
    }
    if (!In)
      continue;
    if (Line.starts_with("End of search list."))
      break;
    Line = Line.trim();
    // macOS marks framework folders; they are not include folders.
    if (Line.ends_with(" (framework directory)"))
      continue;
    if (!Line.empty())
      Dirs.push_back(Line.str());
  }
  return Dirs;
}

namespace {

/// The part of a command that decides the driver's folders: the driver, the
/// language and the flags that move folders (standard, target, sysroot).
std::vector<std::string> queryKey(const std::vector<std::string> &Cmd) {
  std::vector<std::string> Key{Cmd[0]};
  bool Cxx = llvm::StringRef(Cmd[0]).contains("++");
  for (size_t I = 1; I < Cmd.size(); ++I) {
    llvm::StringRef A = Cmd[I];
    if (A.ends_with(".cpp") || A.ends_with(".cc") || A.ends_with(".cxx") || A.ends_with(".C"))
      Cxx = true;
    if (A.starts_with("-std=") || A.starts_with("--sysroot") || A.starts_with("-m32") ||
        A.starts_with("-m64") || A.starts_with("--target=") || A == "-nostdinc" ||
        A == "-nostdinc++")
      Key.push_back(A.str());
    if ((A == "--sysroot" || A == "-isysroot") && I + 1 < Cmd.size())
      Key.push_back(A.str()), Key.push_back(Cmd[++I]);
  }
  Key.push_back(Cxx ? "-xc++" : "-xc");
  return Key;
}

/// Runs `Driver FLAGS -E -v -` on an empty input; the search list is on
/// stderr. nullopt when the driver cannot be run.
std::optional<std::string> runVerbose(const std::vector<std::string> &Key, std::string &Error) {
  auto Program = llvm::sys::findProgramByName(Key[0]);
  if (!Program) {
    Error = "cannot run '" + Key[0] + "' to ask for its include folders: " + Program.getError().message();
    return std::nullopt;
  }
  llvm::SmallString<128> ErrFile;
  if (llvm::sys::fs::createTemporaryFile("reach-driver", "txt", ErrFile)) {
    Error = "cannot create a temporary file";
    return std::nullopt;
  }
  std::vector<llvm::StringRef> Args{*Program};
  Args.insert(Args.end(), Key.begin() + 1, Key.end());
  for (const char *A : {"-E", "-v", "/dev/null"})
    Args.push_back(A);
  std::optional<llvm::StringRef> Redirects[] = {llvm::StringRef(""), llvm::StringRef(""),
                                                llvm::StringRef(ErrFile)};
  int RC = llvm::sys::ExecuteAndWait(*Program, Args, std::nullopt, Redirects, /*Seconds=*/30);
  auto Buf = llvm::MemoryBuffer::getFile(ErrFile);
  llvm::sys::fs::remove(ErrFile);
  if (RC != 0 || !Buf) {
    Error = "'" + Key[0] + " -E -v' failed (exit " + std::to_string(RC) + ")";
    return std::nullopt;
  }
  return (*Buf)->getBuffer().str();
}

} // namespace

std::vector<std::string> DriverIncludes::argsFor(const std::vector<std::string> &Cmd) {
  if (Cmd.empty() || !isGccDriver(Cmd[0]))
    return {};
  std::vector<std::string> Key = queryKey(Cmd);
  std::lock_guard<std::mutex> Lock(Mutex);
  auto [It, New] = Cache.try_emplace(Key);
  if (New) {
    std::string Error;
    if (auto Out = runVerbose(Key, Error)) {
      for (const std::string &Dir : parseSearchList(*Out)) {
        It->second.push_back("-idirafter");
        It->second.push_back(folderArg(Dir));
      }
    } else {
      Warnings.push_back(Error);
    }
  }
  return It->second;
}

/// Dir itself, or for GCC's private folders a virtual folder holding only
/// the headers clang's resource folder lacks (see the header).
std::string DriverIncludes::folderArg(const std::string &Dir) {
  if (llvm::StringRef(Dir).find("/lib/gcc/") == llvm::StringRef::npos)
    return Dir;
  auto [It, New] = Folders.try_emplace(Dir);
  if (!New)
    return It->second;
  It->second = "/reach-gcc-only/" + std::to_string(Folders.size() - 1);
  std::error_code EC;
  for (llvm::sys::fs::recursive_directory_iterator F(Dir, EC), End; F != End && !EC; F.increment(EC)) {
    if (F->type() != llvm::sys::fs::file_type::regular_file)
      continue;
    llvm::StringRef Rel = llvm::StringRef(F->path()).drop_front(Dir.size() + 1);
    if (llvm::sys::fs::exists(ClangIncludeDir + "/" + Rel.str()))
      continue;
    if (auto Buf = llvm::MemoryBuffer::getFile(F->path()))
      Virtual[It->second + "/" + Rel.str()] = (*Buf)->getBuffer().str();
  }
  return It->second;
}

std::vector<std::string> DriverIncludes::warnings() {
  std::lock_guard<std::mutex> Lock(Mutex);
  return Warnings;
}

} // namespace reach
