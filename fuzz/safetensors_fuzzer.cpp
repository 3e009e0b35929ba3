// libFuzzer: any byte string fed to the safetensors reader either parses
// into in-bounds views or is a FormatError; nothing else may escape.
#include <cstddef>
#include <cstdint>
#include <span>

#include "formats/format_error.h"
#include "formats/safetensors.h"
#include "fuzz_touch.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace reach::run;
  try {
    const SafetensorsFile f = parse_safetensors(std::span(reinterpret_cast<const std::byte*>(data), size), "fuzz.safetensors");
    touch_tensors(f.tensors);
  } catch (const FormatError&) {
  }
  return 0;
}
