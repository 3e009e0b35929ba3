#pragma once
// LoRA adapters for tests, written in both formats reach-run reads: a PEFT
// folder (adapter_config.json + adapter_model.safetensors, PEFT's key names)
// and llama.cpp's GGUF LoRA (convert_lora_to_gguf.py's names, shapes and
// metadata, B's q/k rows permuted for arch "llama" as its converter does).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "formats/model_config.h"

namespace reach::test {

struct TestLoraPair {
  std::string weight;    // canonical weight name: model.layers.0.self_attn.q_proj.weight
  int64_t rank = 0, in = 0, out = 0;
  std::vector<float> a;  // {rank, in}
  std::vector<float> b;  // {out, rank}, HF row order
};

struct TestAdapter {
  std::vector<TestLoraPair> pairs;
  int64_t r = 4;
  double alpha = 8;
  bool rslora = false;
};

// Pairs of rank `r` for `modules` ("q_proj", "gate_proj", ...) of every
// layer of `config`, values ~ N(0, 0.1²) from `seed`. Phi-3's fused
// modules (qkv_proj, gate_up_proj) get their fused shapes.
TestAdapter random_adapter(const run::ModelConfig& config, const std::vector<std::string>& modules, int64_t r,
                           double alpha, uint64_t seed);

// adapter_config.json's text for `a`; `extra` is spliced in as more keys
// ("\"use_dora\": true").
std::string peft_config_text(const TestAdapter& a, const std::string& extra = "");
void write_peft(const TestAdapter& a, const std::filesystem::path& folder, const std::string& extra = "");
void write_gguf_lora(const TestAdapter& a, const run::ModelConfig& config, const std::filesystem::path& file);

}  // namespace reach::test
