#pragma once
// Keys and values of every position seen so far, per layer, in F32 (as
// llama.cpp with an F32 cache type). In host memory, laid out by KV head
// ({n_kv_heads, capacity, head_dim} per layer): decode's attention finds
// the cache in memory, and one head's positions in one stream are what
// the hardware prefetchers keep up with (a layer by position, a position's
// 256 bytes of a head 1 KiB from the next, read 1.7x slower from memory at
// 512-2048 positions: BM_AttentionOneTokenFromMemory). In a GPU's memory
// for a model that runs there (its backend allocates it: Model::make_cache),
// laid out by position ({capacity, n_kv_heads, head_dim}), as its kernels
// index it.
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "formats/model_config.h"
#include "kernels/attention.h"
#include "model/memory_account.h"

namespace reach::run {

class KVCache {
 public:
  // Memory a backend allocated for the keys and values, each {n_layers,
  // capacity, n_kv_heads, head_dim}, freed when the last holder of `owner` goes.
  struct External {
    float* keys = nullptr;
    float* values = nullptr;
    std::shared_ptr<void> owner;
  };

  KVCache(const ModelConfig& config, int64_t capacity);  // in host memory, by KV head
  KVCache(const ModelConfig& config, int64_t capacity, External memory);  // a backend's, by position
  // What a cache of `capacity` positions allocates: planned before it is.
  static size_t bytes_for(const ModelConfig& config, int64_t capacity) {
    return 2 * sizeof(float) * static_cast<size_t>(int64_t{config.n_layers} * capacity * config.n_kv_heads *
                                                   config.head_dim);
  }

  int64_t capacity() const { return capacity_; }
  int64_t length() const { return length_; }  // positions filled
  // Where position p of KV head h lies from keys(layer, 0) (and values(layer, 0)).
  KVLayout layout() const { return layout_; }

  // Position `pos` of KV head 0 in layer `layer` (by position: the row of
  // every KV head); rows up to capacity are addressable. In the memory of
  // the backend that made the cache.
  float* keys(int32_t layer, int64_t pos) { return (external_.keys ? external_.keys : keys_.data()) + offset(layer, pos); }
  float* values(int32_t layer, int64_t pos) {
    return (external_.values ? external_.values : values_.data()) + offset(layer, pos);
  }
  // Writes n new positions' keys and values, each {n, n_kv_heads * head_dim},
  // as positions length() .. length() + n - 1 of `layer` (host memory).
  void store(int32_t layer, const float* k, const float* v, int64_t n);

  void advance(int64_t n) { length_ += n; }  // after a forward pass filled n more rows
  void clear() { length_ = 0; }
  // Keeps the first n positions (a chat turn reuses the conversation's
  // common prefix); the rows after them are overwritten by the next pass.
  void truncate(int64_t n) { length_ = n < length_ ? (n < 0 ? 0 : n) : length_; }

 private:
  size_t offset(int32_t layer, int64_t pos) const {
    return static_cast<size_t>(int64_t{layer} * layer_floats_ + pos * layout_.pos_stride);
  }
  int64_t capacity_;
  AttentionShape shape_;
  int64_t layer_floats_;  // capacity × n_kv_heads × head_dim
  KVLayout layout_;
  int64_t length_ = 0;
  AccountedVector<float> keys_{AccountedAllocator<float>("the KV cache")};    // {n_layers, n_kv_heads, capacity, head_dim}
  AccountedVector<float> values_{AccountedAllocator<float>("the KV cache")};  // {n_layers, n_kv_heads, capacity, head_dim}
  External external_;                                                          // or these, by position
};

// How many leading tokens of `prompt` a cache that holds `cached` keeps for
// it (a chat turn, a server request): their common prefix, short of the
// whole prompt, since its last token is fed again for its logits.
inline size_t reusable_prefix(std::span<const int32_t> cached, std::span<const int32_t> prompt) {
  size_t keep = 0;
  while (keep < cached.size() && keep + 1 < prompt.size() && cached[keep] == prompt[keep]) ++keep;
  return keep;
}

}  // namespace reach::run
