#pragma once
// A deliberately naive Llama-family forward pass in double precision,
// written from the Hugging Face modeling code (half-split RoPE, so it takes
// an HF-layout source), recomputing everything from scratch for each
// position. The model under test must agree with it. It reads config.json
// and the safetensors files itself (a minimal reader of its own), so a bug in
// the runtime's parsers cannot hide in the reference as well.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <filesystem>

namespace reach::run::testing {

// What else a caller may want of the pass.
struct ReferenceTrace {
  // In: {layer, head} pairs whose attention output is zeroed (pruned heads).
  std::vector<std::pair<int64_t, int64_t>> masked_heads;
  // Out: [layer][token] the attention output {n_heads*head_dim}, before o_proj.
  std::vector<std::vector<std::vector<double>>> attention;
};

// Logits {vocab} of the last of `tokens`, all processed from position 0.
std::vector<double> reference_logits(const std::filesystem::path& hf_dir, const std::vector<int32_t>& tokens,
                                     ReferenceTrace* trace = nullptr);

// One tensor of the folder's safetensors files, in double precision.
struct ReferenceTensor {
  std::vector<int64_t> shape;
  std::vector<double> data;
};
ReferenceTensor reference_tensor(const std::filesystem::path& hf_dir, const std::string& name);

}  // namespace reach::run::testing
