#pragma once
// Turns the byte strings of generated tokens into text that is safe to show:
// only whole UTF-8 characters (a token may end inside one), and never the
// start of a stop string until it is clear it is not one. A stop string may
// span several tokens; once it appears, the text before it is released and
// everything from it on is dropped.
#include <string>
#include <string_view>
#include <vector>

namespace reach::run {

class TextStream {
 public:
  explicit TextStream(std::vector<std::string> stop_strings = {});

  // Adds one token's bytes; returns the text that may be printed now.
  std::string push(std::string_view token_bytes);
  // Generation ended (EOS or length): releases what was held back.
  std::string finish();

  bool stopped() const { return stopped_; }
  const std::string& text() const { return released_; }  // everything released so far

 private:
  std::string release(size_t n);

  std::vector<std::string> stops_;
  std::string pending_;   // bytes not yet released
  std::string released_;
  bool stopped_ = false;
};

}  // namespace reach::run
