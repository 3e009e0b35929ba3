// libFuzzer: adapter_config.json text -> PeftConfig or a FormatError, nothing else.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "formats/format_error.h"
#include "lora/peft_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace reach::run;
  try {
    parse_peft_config(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz/adapter_config.json");
  } catch (const FormatError&) {
  }
  return 0;
}
