#include "model/kv_cache.h"

#include <stdexcept>
#include <string>
#include <utility>

namespace reach::run {

KVCache::KVCache(const ModelConfig& config, int64_t capacity) : KVCache(config, capacity, External{}) {}

KVCache::KVCache(const ModelConfig& config, int64_t capacity, External memory)
    : capacity_(capacity), kv_dim_(int64_t{config.n_kv_heads} * config.head_dim), external_(std::move(memory)) {
  if (capacity <= 0) throw std::invalid_argument("KV cache capacity must be positive, got " + std::to_string(capacity));
  if (external_.keys) return;
  const auto n = static_cast<size_t>(config.n_layers * capacity_ * kv_dim_);
  keys_.assign(n, 0.0f);
  values_.assign(n, 0.0f);
}

}  // namespace reach::run
