#include "model/kv_cache.h"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>

namespace reach::run {

namespace {
AttentionShape shape_of(const ModelConfig& c) { return {c.n_heads, c.n_kv_heads, c.head_dim}; }
}  // namespace

KVCache::KVCache(const ModelConfig& config, int64_t capacity)
    : capacity_(capacity),
      shape_(shape_of(config)),
      layer_floats_(capacity * config.n_kv_heads * config.head_dim),
      layout_(KVLayout::by_head(shape_, capacity)) {
  if (capacity <= 0) throw std::invalid_argument("KV cache capacity must be positive, got " + std::to_string(capacity));
  const auto n = static_cast<size_t>(config.n_layers * layer_floats_);
  keys_.assign(n, 0.0f);
  values_.assign(n, 0.0f);
}

KVCache::KVCache(const ModelConfig& config, int64_t capacity, External memory)
    : capacity_(capacity),
      shape_(shape_of(config)),
      layer_floats_(capacity * config.n_kv_heads * config.head_dim),
      layout_(KVLayout::by_position(shape_)),
      external_(std::move(memory)) {
  if (capacity <= 0) throw std::invalid_argument("KV cache capacity must be positive, got " + std::to_string(capacity));
  if (!external_.keys || !external_.values) throw std::invalid_argument("KV cache: a backend's memory without keys or values");
}

void KVCache::store(int32_t layer, const float* k, const float* v, int64_t n) {
  if (external_.keys) throw std::logic_error("KVCache::store: the cache is in a backend's memory");
  if (length_ + n > capacity_) throw std::out_of_range("KVCache::store: past the capacity");
  const int64_t hd = shape_.head_dim, kv_dim = int64_t{shape_.n_kv_heads} * hd;
  float* keys_at = keys(layer, 0);
  float* values_at = values(layer, 0);
  for (int64_t t = 0; t < n; ++t)
    for (int32_t h = 0; h < shape_.n_kv_heads; ++h) {
      const int64_t from = t * kv_dim + h * hd, to = h * layout_.head_stride + (length_ + t) * layout_.pos_stride;
      std::copy_n(k + from, hd, keys_at + to);
      std::copy_n(v + from, hd, values_at + to);
    }
}

}  // namespace reach::run
