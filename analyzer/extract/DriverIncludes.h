// The system include folders of the compiler a compile command names, when
// that compiler is not clang: a database written for g++ is parsed with the
// folders g++ would search (its own include folder holds omp.h, quadmath.h,
// ...), as clangd's --query-driver does. They are appended with -idirafter,
// so clang's own builtin headers (intrinsics, stddef.h) still win. GCC's
// private folder (lib/gcc/<triple>/<version>/include) is not appended as is:
// clang's headers `#include_next` into it (stdatomic.h would then be GCC's,
// which clang rejects). Only the headers clang's resource folder lacks
// (omp.h, openacc.h, quadmath.h, ...) are served, from a virtual folder.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace reach {

/// True for a driver named like GCC's (g++, gcc, c++, cc, with a target
/// prefix or version suffix), not clang's.
bool isGccDriver(const std::string &Argv0);

/// The "#include <...> search starts here:" list of `Driver -E -v` output.
std::vector<std::string> parseSearchList(const std::string &VerboseOutput);

/// Asks each GCC-like driver once (per language and flags that move its
/// folders) and caches the answer; safe to call from several workers.
class DriverIncludes {
public:
  /// ClangIncludeDir: clang's resource include folder (what clang has).
  explicit DriverIncludes(std::string ClangIncludeDir) : ClangIncludeDir(std::move(ClangIncludeDir)) {}
  /// `-idirafter DIR` pairs for the command, or nothing for clang, or for a
  /// driver that cannot be run (its warning is then kept in Warnings).
  std::vector<std::string> argsFor(const std::vector<std::string> &CommandLine);
  std::vector<std::string> warnings();
  /// The virtual folders' files: absolute path -> contents.
  const std::map<std::string, std::string> &virtualFiles() const { return Virtual; }

private:
  std::string folderArg(const std::string &Dir);

  std::string ClangIncludeDir;
  std::mutex Mutex;
  std::map<std::vector<std::string>, std::vector<std::string>> Cache;
  std::map<std::string, std::string> Folders; // GCC private folder -> virtual folder
  std::map<std::string, std::string> Virtual;
  std::vector<std::string> Warnings;
};

} // namespace reach
