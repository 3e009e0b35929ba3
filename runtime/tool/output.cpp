#include "tool/output.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace reach::run::cli {

namespace {

[[noreturn]] void fail(int err) {
  throw OutputError(std::string("cannot write the output: ") + std::strerror(err));
}

}  // namespace

void write_stdout(const std::string& text) {
  errno = 0;
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fflush(stdout) != 0)
    fail(errno ? errno : EIO);
}

void finish_stdout() {
  errno = 0;
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) fail(errno ? errno : EIO);
}

}  // namespace reach::run::cli
