#pragma once
// Runs the reach-run binary as a user would, for the tool tests: arguments
// quoted for the shell, stdout and stderr captured, the exit status.
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "process_dir.h"

namespace reach::test {

namespace fs = std::filesystem;

struct Result {
  int status;
  std::string out, err;
};

inline std::string slurp(const fs::path& p) {
  std::ifstream f(p);
  return {std::istreambuf_iterator<char>(f), {}};
}

inline std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// This process's folder for files (each ctest runs one test in its own
// process), created on first use.
inline const fs::path& work_dir() {
  const fs::path& dir = reach::test::process_dir(REACH_TEST_DATA_DIR);
  fs::create_directories(dir);
  return dir;
}

// `stdin_text`, when given, is the command's standard input.
inline Result reach_run(const std::vector<std::string>& args, const std::string* stdin_text = nullptr) {
  const fs::path& dir = work_dir();
  fs::create_directories(dir);
  std::string cmd = REACH_RUN_BINARY;
  for (const auto& a : args) cmd += " " + quote(a);
  if (stdin_text) {
    std::ofstream(dir / "in.txt", std::ios::binary) << *stdin_text;
    cmd += " <" + (dir / "in.txt").string();
  }
  cmd += " >" + (dir / "out.txt").string() + " 2>" + (dir / "err.txt").string();
  const int raw = std::system(cmd.c_str());
  return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, slurp(dir / "out.txt"), slurp(dir / "err.txt")};
}

// Like reach_run, with stdout sent to `out` (a device, a full disk) and the
// command wrapped (`timeout ...`).
inline Result reach_run_raw(const std::string& wrapper, const std::vector<std::string>& args, const std::string& out) {
  const fs::path& dir = work_dir();
  std::string cmd = wrapper + " " + REACH_RUN_BINARY;
  for (const auto& a : args) cmd += " " + quote(a);
  cmd += " >" + out + " 2>" + (dir / "err.txt").string();
  const int raw = std::system(cmd.c_str());
  return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, "", slurp(dir / "err.txt")};
}

}  // namespace reach::test
