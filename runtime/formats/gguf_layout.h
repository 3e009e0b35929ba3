#pragma once
// How llama.cpp's converter lays a Hugging Face tensor out in GGUF, beyond
// its name (gguf_names.h): for arch "llama" (Llama, Mistral) the rows of
// q_proj and k_proj are permuted within each head, so that rotating adjacent
// pairs (ggml's RoPE) equals HF's rotate_half over the two halves; Qwen
// checkpoints keep their rows. A permuted head's rows stay that head's rows.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "formats/model_config.h"

namespace reach::run {

// Whether GGUF files of this architecture store q/k rows permuted.
bool permutes_qk(Arch arch);

// The heads whose rows the converter permutes in the canonical tensor
// `name`: n_heads for q_proj.weight, n_kv_heads for k_proj.weight, when the
// architecture permutes; 0 for every other tensor.
int64_t permuted_heads(const ModelConfig& config, const std::string& name);

// convert_hf_to_gguf.py's LlamaModel.permute over rows of `row_bytes` bytes
// (any type, a row being whole blocks): within each of `n_heads` heads of
// `head_dim` rows, out row 2i + j is in row j * head_dim / 2 + i.
void permute_qk_rows(std::span<const std::byte> in, std::span<std::byte> out, int64_t n_heads, int64_t head_dim,
                     size_t row_bytes);
// The inverse: GGUF's order back to HF's (a GGUF LoRA applied to an HF model).
void unpermute_qk_rows(std::span<const std::byte> in, std::span<std::byte> out, int64_t n_heads, int64_t head_dim,
                       size_t row_bytes);

}  // namespace reach::run
