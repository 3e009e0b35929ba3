#pragma once
// Keys and values of every position seen so far, per layer, in F32 (as
// llama.cpp with an F32 cache type). Layout per layer: {capacity, kv_dim},
// so a batch of new positions is one contiguous block the projections can
// write straight into. In host memory, or in a GPU's for a model that runs
// there (its backend allocates it: Model::make_cache).
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "formats/model_config.h"
#include "model/memory_account.h"

namespace reach::run {

class KVCache {
 public:
  // Memory a backend allocated for the keys and values, each {n_layers,
  // capacity, kv_dim}, freed when the last holder of `owner` goes.
  struct External {
    float* keys = nullptr;
    float* values = nullptr;
    std::shared_ptr<void> owner;
  };

  KVCache(const ModelConfig& config, int64_t capacity);  // in host memory
  KVCache(const ModelConfig& config, int64_t capacity, External memory);  // in host memory if `memory` is empty
  // What a cache of `capacity` positions allocates: planned before it is.
  static size_t bytes_for(const ModelConfig& config, int64_t capacity) {
    return 2 * sizeof(float) * static_cast<size_t>(int64_t{config.n_layers} * capacity * config.n_kv_heads *
                                                   config.head_dim);
  }

  int64_t capacity() const { return capacity_; }
  int64_t length() const { return length_; }  // positions filled

  // Row `pos` of layer `layer`; rows up to capacity are addressable. In the
  // memory of the backend that made the cache.
  float* keys(int32_t layer, int64_t pos) { return (external_.keys ? external_.keys : keys_.data()) + offset(layer, pos); }
  float* values(int32_t layer, int64_t pos) {
    return (external_.values ? external_.values : values_.data()) + offset(layer, pos);
  }

  void advance(int64_t n) { length_ += n; }  // after a forward pass filled n more rows
  void clear() { length_ = 0; }
  // Keeps the first n positions (a chat turn reuses the conversation's
  // common prefix); the rows after them are overwritten by the next pass.
  void truncate(int64_t n) { length_ = n < length_ ? (n < 0 ? 0 : n) : length_; }

 private:
  size_t offset(int32_t layer, int64_t pos) const {
    return static_cast<size_t>((int64_t{layer} * capacity_ + pos) * kv_dim_);
  }
  int64_t capacity_;
  int64_t kv_dim_;
  int64_t length_ = 0;
  AccountedVector<float> keys_{AccountedAllocator<float>("the KV cache")};    // {n_layers, capacity, kv_dim}
  AccountedVector<float> values_{AccountedAllocator<float>("the KV cache")};  // {n_layers, capacity, kv_dim}
  External external_;                                                          // or these
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
