// libFuzzer: config.json text -> ModelConfig or a FormatError, nothing else.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "formats/config_json.h"
#include "formats/format_error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace reach::run;
  try {
    parse_config_json(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz/config.json");
  } catch (const FormatError&) {
  }
  return 0;
}
