#pragma once
// Keys and values of every position seen so far, per layer, in F32 (as
// llama.cpp with an F32 cache type) or, in host memory, F16 (llama.cpp's
// default: half the memory, the keys and values rounded to F16 as they are
// stored; attention converts them as it reads them).
// In host memory, laid out as attention reads it (KVLayout,
// kernels/attention.h): by KV head, each head's positions one stream (decode
// finds the cache in memory, and one stream a head is what the hardware
// prefetchers keep up with: by position, a head's 256 bytes 1 KiB from the
// next position's, it read 1.7x slower from memory at 512-2048 positions),
// the keys in transposed tiles of 16 positions; the capacity rounded up to
// whole tiles. In a GPU's memory for a model that runs there (its backend
// allocates it: Model::make_cache), by position ({capacity, n_kv_heads,
// head_dim}), as its kernels index it.
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

  // In host memory, by KV head; `type` F32 or F16 (else std::invalid_argument).
  KVCache(const ModelConfig& config, int64_t capacity, DType type = DType::F32);
  KVCache(const ModelConfig& config, int64_t capacity, External memory);  // a backend's, F32, by position
  // What a cache of `capacity` positions allocates (whole key tiles): planned
  // before it is; a backend's cache allocates as much.
  static size_t bytes_for(const ModelConfig& config, int64_t capacity, DType type = DType::F32) {
    return 2 * type_traits(type).row_bytes(int64_t{config.n_layers} * KVLayout::whole_tiles(capacity) *
                                           config.n_kv_heads * config.head_dim);
  }
  // The most positions a cache within `bytes` holds (whole key tiles; 0 if none).
  static int64_t positions_within(const ModelConfig& config, size_t bytes, DType type = DType::F32) {
    const size_t tile = bytes_for(config, kKeyTile, type);
    return static_cast<int64_t>(bytes / tile) * kKeyTile;
  }

  int64_t capacity() const { return capacity_; }
  int64_t length() const { return length_; }  // positions filled
  // Where position p of KV head h lies from layer_keys(layer) (and
  // layer_values), and its type: a host cache's, as are layer_keys/layer_values.
  KVLayout layout() const { return layout_; }
  const void* layer_keys(int32_t layer) const { return host_keys_.data() + layer * layer_bytes(); }
  const void* layer_values(int32_t layer) const { return host_values_.data() + layer * layer_bytes(); }

  // A backend's cache: position `pos` of layer `layer`, the row of every KV
  // head; rows up to capacity are addressable, in the backend's memory.
  float* keys(int32_t layer, int64_t pos) { return external_.keys + offset(layer, pos); }
  float* values(int32_t layer, int64_t pos) { return external_.values + offset(layer, pos); }
  // Writes n new positions' keys and values, each {n, n_kv_heads * head_dim},
  // as positions length() .. length() + n - 1 of `layer` (host memory).
  void store(int32_t layer, const float* k, const float* v, int64_t n);

  // The bytes of keys and values attention reads, every layer, for a token
  // that sees n_pos positions (its keys in whole tiles) of a host cache.
  size_t bytes_read(int64_t n_pos) const {
    const int64_t heads = int64_t{n_layers_} * shape_.n_kv_heads * shape_.head_dim;
    return type_traits(layout_.type).row_bytes(heads * (KVLayout::whole_tiles(n_pos) + n_pos));
  }

  void advance(int64_t n) { length_ += n; }  // after a forward pass filled n more rows
  void clear() { length_ = 0; }
  // Keeps the first n positions (a chat turn reuses the conversation's
  // common prefix); the rows after them are overwritten by the next pass.
  void truncate(int64_t n) { length_ = n < length_ ? (n < 0 ? 0 : n) : length_; }

 private:
  size_t offset(int32_t layer, int64_t pos) const {  // a backend's, by position
    return static_cast<size_t>((int64_t{layer} * capacity_ + pos) * shape_.n_kv_heads * shape_.head_dim);
  }
  size_t layer_bytes() const {  // a host cache's
    return type_traits(layout_.type).row_bytes(shape_.n_kv_heads * layout_.head_elements(shape_.head_dim));
  }
  int64_t capacity_;
  int32_t n_layers_;
  AttentionShape shape_;
  KVLayout layout_;
  int64_t length_ = 0;
  using Bytes = AccountedVector<std::byte>;
  Bytes host_keys_{AccountedAllocator<std::byte>("the KV cache")};    // n_layers × KVLayout's keys
  Bytes host_values_{AccountedAllocator<std::byte>("the KV cache")};  // n_layers × KVLayout's values
  External external_;                                                  // or a backend's, by position
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
