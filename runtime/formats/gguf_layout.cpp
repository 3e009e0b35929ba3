#include "formats/gguf_layout.h"

#include <cstring>

namespace reach::run {

bool permutes_qk(Arch arch) { return arch == Arch::Llama || arch == Arch::Mistral; }

int64_t permuted_heads(const ModelConfig& c, const std::string& name) {
  if (!permutes_qk(c.arch)) return 0;
  if (name.ends_with("self_attn.q_proj.weight")) return c.n_heads;
  if (name.ends_with("self_attn.k_proj.weight")) return c.n_kv_heads;
  return 0;
}

namespace {

// Row j·head_dim/2 + i of each head (HF) and row 2i + j (GGUF), copied
// one way or the other.
void move_qk_rows(std::span<const std::byte> in, std::span<std::byte> out, int64_t n_heads, int64_t head_dim,
                  size_t row_bytes, bool to_gguf) {
  const int64_t half = head_dim / 2;
  for (int64_t h = 0; h < n_heads; ++h)
    for (int64_t i = 0; i < half; ++i)
      for (int64_t j = 0; j < 2; ++j) {
        const auto hf = static_cast<size_t>(h * head_dim + j * half + i) * row_bytes;
        const auto gguf = static_cast<size_t>(h * head_dim + 2 * i + j) * row_bytes;
        std::memcpy(out.data() + (to_gguf ? gguf : hf), in.data() + (to_gguf ? hf : gguf), row_bytes);
      }
}

}  // namespace

void permute_qk_rows(std::span<const std::byte> in, std::span<std::byte> out, int64_t n_heads, int64_t head_dim,
                     size_t row_bytes) {
  move_qk_rows(in, out, n_heads, head_dim, row_bytes, true);
}

void unpermute_qk_rows(std::span<const std::byte> in, std::span<std::byte> out, int64_t n_heads, int64_t head_dim,
                       size_t row_bytes) {
  move_qk_rows(in, out, n_heads, head_dim, row_bytes, false);
}

}  // namespace reach::run
