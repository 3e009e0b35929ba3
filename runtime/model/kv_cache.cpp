#include "model/kv_cache.h"

#include <stdexcept>
#include <string>
#include <utility>

namespace reach::run {

namespace {
AttentionShape shape_of(const ModelConfig& c) { return {c.n_heads, c.n_kv_heads, c.head_dim}; }

void check_capacity(int64_t capacity) {
  if (capacity <= 0) throw std::invalid_argument("KV cache capacity must be positive, got " + std::to_string(capacity));
}
}  // namespace

KVCache::KVCache(const ModelConfig& config, int64_t capacity, DType type)
    : capacity_(capacity),
      n_layers_(config.n_layers),
      shape_(shape_of(config)),
      layout_(KVLayout::for_positions(capacity, type)) {
  check_capacity(capacity);
  if (type != DType::F32 && type != DType::F16)
    throw std::invalid_argument("KV cache type " + std::string(type_traits(type).name) + ": f32 or f16");
  const size_t bytes = bytes_for(config, capacity, type) / 2;
  host_keys_.assign(bytes, std::byte{0});
  host_values_.assign(bytes, std::byte{0});
}

KVCache::KVCache(const ModelConfig& config, int64_t capacity, External memory)
    : capacity_(capacity),
      n_layers_(config.n_layers),
      shape_(shape_of(config)),
      layout_(KVLayout::for_positions(capacity)),
      external_(std::move(memory)) {
  check_capacity(capacity);
  if (!external_.keys || !external_.values) throw std::invalid_argument("KV cache: a backend's memory without keys or values");
}

void KVCache::store(int32_t layer, const float* k, const float* v, int64_t n) {
  if (external_.keys) throw std::logic_error("KVCache::store: the cache is in a backend's memory");
  if (length_ + n > capacity_) throw std::out_of_range("KVCache::store: past the capacity");
  store_kv(k, v, length_, n, layout_, shape_, host_keys_.data() + layer * layer_bytes(),
           host_values_.data() + layer * layer_bytes());
}

}  // namespace reach::run
