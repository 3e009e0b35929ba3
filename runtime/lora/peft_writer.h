#pragma once
// Writes LoRA pairs as a PEFT adapter folder: adapter_config.json and
// adapter_model.safetensors (F32) with PEFT's key names
// (base_model.model.<module path>.lora_A.weight {r, in}, .lora_B.weight
// {out, r}), so that Hugging Face PEFT and `--lora` load it. B's q/k rows
// go back to HF order when the model stores them permuted (a Llama GGUF).
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "formats/model_source.h"

namespace reach::run {

struct PeftPairOut {
  std::string weight;  // canonical weight name
  int64_t rank = 0, in = 0, out = 0;
  std::span<const float> a;  // {rank, in}
  std::span<const float> b;  // {out, rank}, rows in the model's order
};

struct PeftConfigOut {
  int64_t r = 8;
  double lora_alpha = 16;
  bool use_rslora = false;
  std::string base_model;  // base_model_name_or_path
};

// Creates `folder` (it may exist, empty or not; the two files are replaced).
// Throws std::runtime_error naming the path when writing fails.
void write_peft_adapter(const std::filesystem::path& folder, const PeftConfigOut& config,
                        const std::vector<PeftPairOut>& pairs, const ModelSource& model);

}  // namespace reach::run
