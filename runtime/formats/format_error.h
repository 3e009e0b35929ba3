#pragma once
// The one error type every loader throws. Its message always names the file,
// the byte offset (when there is one) and the rule the file broke, so a user
// can tell what is wrong without a debugger.
#include <cstdint>
#include <stdexcept>
#include <string>

namespace reach::run {

class FormatError : public std::runtime_error {
 public:
  // "model.gguf: offset 1234: tensor 'blk.0.attn_q.weight' extends past end of file"
  FormatError(const std::string& file, uint64_t offset, const std::string& rule)
      : std::runtime_error(file + ": offset " + std::to_string(offset) + ": " + rule) {}
  // "config.json: missing key 'hidden_size'" (no meaningful offset)
  FormatError(const std::string& file, const std::string& rule)
      : std::runtime_error(file + ": " + rule) {}
};

}  // namespace reach::run
