// libFuzzer: the GGUF reader, then the metadata -> ModelConfig / GgufVocab
// readers on whatever it accepted. Only FormatError may escape them.
#include <cstddef>
#include <cstdint>
#include <span>

#include "formats/format_error.h"
#include "formats/gguf.h"
#include "formats/gguf_model.h"
#include "fuzz_touch.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace reach::run;
  GgufFile f;
  try {
    f = parse_gguf(std::span(reinterpret_cast<const std::byte*>(data), size), "fuzz.gguf");
  } catch (const FormatError&) {
    return 0;
  }
  touch_tensors(f.tensors);
  try {
    model_config_from_gguf(f);
  } catch (const FormatError&) {
  }
  try {
    vocab_from_gguf(f);
  } catch (const FormatError&) {
  }
  return 0;
}
