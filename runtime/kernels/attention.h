#pragma once
// Causal grouped-query attention of a batch of query tokens over a layer's
// KV cache. Query head h reads KV head h / (n_heads / n_kv_heads).
#include <cstdint>

#include "formats/tensor_type.h"
#include "kernels/cpu_features.h"
#include "kernels/thread_pool.h"

namespace reach::run {

struct AttentionShape {
  int32_t n_heads;
  int32_t n_kv_heads;
  int32_t head_dim;
};

// Positions per key tile: a tile's keys are stored transposed, so that the
// scores of a tile's positions are one vector per dimension (below).
inline constexpr int64_t kKeyTile = 16;

// Where a layer's keys and values lie in host memory: per KV head one block
// of `capacity` positions (a whole number of key tiles), head h's at element
// h * capacity * head_dim, each element of `type` (F32, or F16 as
// llama.cpp's default cache holds them).
// - values: position p's head_dim elements one row, at p * head_dim;
// - keys: in tiles of kKeyTile positions, each tile {head_dim, kKeyTile}:
//   element c of position p at (p / kKeyTile * head_dim + c) * kKeyTile +
//   p % kKeyTile. A score is a dot product over the head's dimensions; with
//   a tile's positions in the lanes of a vector, every lane is one score
//   and the dimensions are the loop (no sums across lanes), and one key
//   vector serves every query head of its KV head.
// Each KV head's positions are one stream the hardware prefetchers follow.
struct KVLayout {
  int64_t capacity;
  DType type = DType::F32;

  // Key tiles that hold `positions`, and the positions they have room for.
  static int64_t tiles(int64_t positions) { return (positions + kKeyTile - 1) / kKeyTile; }
  static int64_t whole_tiles(int64_t positions) { return tiles(positions) * kKeyTile; }
  static KVLayout for_positions(int64_t positions, DType type = DType::F32) { return {whole_tiles(positions), type}; }
  int64_t head_elements(int32_t head_dim) const { return capacity * head_dim; }
  int64_t key_at(int64_t head, int64_t pos, int64_t c, int32_t head_dim) const {
    return head * head_elements(head_dim) + (pos / kKeyTile * head_dim + c) * kKeyTile + pos % kKeyTile;
  }
  int64_t value_at(int64_t head, int64_t pos, int64_t c, int32_t head_dim) const {
    return head * head_elements(head_dim) + pos * head_dim + c;
  }
};

// Writes n positions' keys and values (each {n, n_kv_heads * head_dim}, F32)
// as positions pos0 .. pos0 + n - 1 of a layer laid out as `layout` says,
// rounded to its type. Positions past the capacity: std::out_of_range.
void store_kv(const float* k, const float* v, int64_t pos0, int64_t n, KVLayout layout, AttentionShape shape,
              void* keys, void* values);

// q:   {n_tokens, n_heads * head_dim}; token t sits at position pos0 + t
// k,v: a layer's keys and values as `layout` says, positions 0 .. pos0 +
//      n_tokens - 1 filled
// out: {n_tokens, n_heads * head_dim}
// Token t attends to positions 0 .. pos0 + t with scores q·k / sqrt(head_dim).
// `isa` picks the kernels' instruction set (every one gives the same bits).
// A layout of another type than F32 or F16: std::invalid_argument.
void attention(const float* q, int64_t n_tokens, int64_t pos0, const void* k, const void* v, KVLayout layout,
               AttentionShape shape, float* out, ThreadPool& pool, Isa isa = chosen_isa());

}  // namespace reach::run
