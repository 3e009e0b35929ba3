// libFuzzer: --heads / --mask-heads text -> {layer, head} pairs or
// std::invalid_argument, nothing else (no crash, no other exception).
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string_view>

#include "forge/heads.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    for (const auto& [layer, head] :
         reach::run::parse_head_list(std::string_view(reinterpret_cast<const char*>(data), size)))
      if (layer < 0 || head < 0) __builtin_trap();  // the parser promises non-negative numbers
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
