#pragma once
// A folder of this test process's own, removed when the process exits.
// ctest -j runs every GoogleTest case as a process of its own, so cases that
// shared one folder rewrote each other's model files and outputs while the
// other was reading them.
#include <unistd.h>

#include <filesystem>
#include <string>
#include <system_error>

namespace reach::test {

// `root`/pid<N>; the first call's root is the one for the whole process.
inline const std::filesystem::path& process_dir(const std::filesystem::path& root) {
  struct Dir {
    std::filesystem::path path;
    ~Dir() {
      std::error_code ignored;
      std::filesystem::remove_all(path, ignored);
    }
  };
  static const Dir dir{root / ("pid" + std::to_string(getpid()))};
  return dir.path;
}

}  // namespace reach::test
