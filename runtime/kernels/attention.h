#pragma once
// Causal grouped-query attention of a batch of query tokens over a layer's
// KV cache. Query head h reads KV head h / (n_heads / n_kv_heads).
#include <cstdint>

#include "kernels/thread_pool.h"

namespace reach::run {

struct AttentionShape {
  int32_t n_heads;
  int32_t n_kv_heads;
  int32_t head_dim;
};

// q:   {n_tokens, n_heads * head_dim}; token t sits at position pos0 + t
// k,v: {positions, n_kv_heads * head_dim}, positions 0 .. pos0 + n_tokens - 1 filled
// out: {n_tokens, n_heads * head_dim}
// Token t attends to positions 0 .. pos0 + t with scores q·k / sqrt(head_dim).
void attention(const float* q, int64_t n_tokens, int64_t pos0, const float* k, const float* v, AttentionShape shape,
               float* out, ThreadPool& pool);

}  // namespace reach::run
