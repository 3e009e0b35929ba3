#pragma once
// The two adapter formats read as they are stored, before they are fitted
// to a model (lora_adapter.cpp): the A and B tensors of each weight, the
// scale rule and the row order of B. Internal to reach_lora.
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "formats/mapped_file.h"
#include "formats/tensor.h"

namespace reach::run::lora_files {

struct StoredPair {
  const TensorView* a = nullptr;  // {r, in}
  const TensorView* b = nullptr;  // {out, r}
};

struct StoredAdapter {
  std::string file;                            // for messages: the file the tensors are in
  std::unique_ptr<MappedFile> mapping;         // owns the bytes the views point into
  std::vector<TensorView> tensors;             // as parsed
  std::map<std::string, StoredPair> pairs;     // by canonical weight name (Phi-3's may be fused)
  std::function<double(int64_t rank)> scale;   // the file's scale for a pair of that rank
  int64_t config_rank = 0;                     // PEFT's r when every pair must have it; 0: any
  // general.architecture, GGUF only; a GGUF adapter holds B's q/k rows in
  // GGUF's order where that architecture permutes them.
  std::string gguf_arch;
};

// A PEFT folder (adapter_config.json + adapter_model.safetensors).
StoredAdapter read_peft(const std::filesystem::path& folder);
// llama.cpp's GGUF LoRA file.
StoredAdapter read_gguf_lora(const std::filesystem::path& file);

}  // namespace reach::run::lora_files
