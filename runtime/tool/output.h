#pragma once
// Writes to stdout that are checked: a full disk, a closed pipe or any other
// write error is an OutputError naming the cause, which main turns into a
// message and exit status 2, instead of text lost while the exit status says
// all went well.
#include <stdexcept>
#include <string>

namespace reach::run::cli {

struct OutputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Writes and flushes (streamed text must appear as it is made).
void write_stdout(const std::string& text);
// The final flush; throws OutputError if anything written before failed.
void finish_stdout();

// printf's formatting into a string, for write_stdout.
[[gnu::format(printf, 1, 2)]] std::string formatted(const char* format, ...);

}  // namespace reach::run::cli
