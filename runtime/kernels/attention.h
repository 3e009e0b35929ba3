#pragma once
// Causal grouped-query attention of a batch of query tokens over a layer's
// KV cache. Query head h reads KV head h / (n_heads / n_kv_heads).
#include <cstdint>

#include "formats/tensor_type.h"
#include "kernels/thread_pool.h"

namespace reach::run {

struct AttentionShape {
  int32_t n_heads;
  int32_t n_kv_heads;
  int32_t head_dim;
};

// Where a layer's keys lie (its values likewise): position p of KV head h
// at element h * head_stride + p * pos_stride of k, head_dim elements of
// `type` (F32, or F16 as llama.cpp's default cache holds them).
struct KVLayout {
  int64_t head_stride;
  int64_t pos_stride;
  DType type = DType::F32;
  // {positions, n_kv_heads, head_dim}: a batch of new positions is one block.
  static KVLayout by_position(AttentionShape s) { return {s.head_dim, int64_t{s.n_kv_heads} * s.head_dim}; }
  // {n_kv_heads, capacity, head_dim}: each KV head's positions one stream.
  static KVLayout by_head(AttentionShape s, int64_t capacity, DType type = DType::F32) {
    return {capacity * s.head_dim, s.head_dim, type};
  }
};

// q:   {n_tokens, n_heads * head_dim}; token t sits at position pos0 + t
// k,v: as `layout` says, positions 0 .. pos0 + n_tokens - 1 filled
// out: {n_tokens, n_heads * head_dim}
// Token t attends to positions 0 .. pos0 + t with scores q·k / sqrt(head_dim).
// A layout of another type: std::invalid_argument.
void attention(const float* q, int64_t n_tokens, int64_t pos0, const void* k, const void* v, KVLayout layout,
               AttentionShape shape, float* out, ThreadPool& pool);

}  // namespace reach::run
