// The host KV cache (model/kv_cache.h): rows stored where its layout says
// (by KV head, keys in transposed tiles), batches after one another, and
// nothing past its capacity.
#include "model/kv_cache.h"

#include <gtest/gtest.h>

#include <cstring>
#include <stdexcept>
#include <vector>

#include "formats/half.h"

namespace reach::run {
namespace {

ModelConfig small_config() {
  ModelConfig c;
  c.n_layers = 2;
  c.n_heads = 6;
  c.n_kv_heads = 3;
  c.head_dim = 4;
  return c;
}

// Row values that name their layer, position, head and element.
float value_of(int32_t layer, int64_t pos, int64_t head, int64_t i, bool key) {
  return static_cast<float>(layer * 10000 + pos * 100 + head * 10 + i) * (key ? 1.0f : -1.0f);
}

// n positions from pos0 as the projections write them: {n, n_kv_heads * head_dim}.
std::vector<float> rows(const ModelConfig& c, int32_t layer, int64_t pos0, int64_t n, bool key) {
  std::vector<float> out;
  for (int64_t t = 0; t < n; ++t)
    for (int64_t h = 0; h < c.n_kv_heads; ++h)
      for (int64_t i = 0; i < c.head_dim; ++i) out.push_back(value_of(layer, pos0 + t, h, i, key));
  return out;
}

// Element `at` of a layer's keys or values, as a float.
float element(const void* layer, int64_t at, DType type) {
  if (type == DType::F32) return static_cast<const float*>(layer)[at];
  uint16_t h;
  std::memcpy(&h, static_cast<const std::byte*>(layer) + 2 * at, 2);
  return f16_to_f32(h);
}

// F32 keeps each value; F16 keeps it rounded to the nearest half.
float kept(float x, DType type) { return type == DType::F32 ? x : f16_to_f32(f32_to_f16(x)); }

TEST(KVCache, StoresEachHeadsPositionsWhereItsLayoutSays) {
  const ModelConfig c = small_config();
  for (DType type : {DType::F32, DType::F16}) {
    KVCache cache(c, 8, type);
    const KVLayout layout = cache.layout();
    EXPECT_EQ(layout.type, type);
    EXPECT_EQ(layout.capacity, 16) << "whole key tiles";
    // Head 1's key tile 1 is {head_dim, 16}: element 2 of position 17 at 1 × 16 × 4 + (4 + 2) × 16 + 1.
    EXPECT_EQ(layout.key_at(1, 17, 2, c.head_dim), 64 + 96 + 1);
    EXPECT_EQ(layout.value_at(1, 17, 2, c.head_dim), 64 + 17 * 4 + 2);
    for (auto [pos0, n] : {std::pair<int64_t, int64_t>{0, 3}, {3, 1}, {4, 4}}) {
      for (int32_t layer = 0; layer < c.n_layers; ++layer)
        cache.store(layer, rows(c, layer, pos0, n, true).data(), rows(c, layer, pos0, n, false).data(), n);
      cache.advance(n);
    }
    for (int32_t layer = 0; layer < c.n_layers; ++layer)
      for (int64_t p = 0; p < 8; ++p)
        for (int64_t h = 0; h < c.n_kv_heads; ++h)
          for (int64_t i = 0; i < c.head_dim; ++i) {
            const int64_t key = layout.key_at(h, p, i, c.head_dim), value = layout.value_at(h, p, i, c.head_dim);
            ASSERT_EQ(element(cache.layer_keys(layer), key, type), kept(value_of(layer, p, h, i, true), type))
                << layer << " " << p << " " << h;
            ASSERT_EQ(element(cache.layer_values(layer), value, type), kept(value_of(layer, p, h, i, false), type))
                << layer << " " << p << " " << h;
          }
  }
}

TEST(KVCache, F16HoldsHalfTheBytesAndOtherTypesAreRefused) {
  const ModelConfig c = small_config();
  EXPECT_EQ(KVCache::bytes_for(c, 8, DType::F16) * 2, KVCache::bytes_for(c, 8, DType::F32));
  EXPECT_EQ(KVCache::bytes_for(c, 8, DType::F32), size_t{2 * 4 * 2 * 16 * 3 * 4}) << "a whole key tile";
  EXPECT_EQ(KVCache::bytes_for(c, 17, DType::F32), KVCache::bytes_for(c, 32, DType::F32));
  EXPECT_EQ(KVCache::positions_within(c, KVCache::bytes_for(c, 48) - 1), 32);
  EXPECT_EQ(KVCache::positions_within(c, KVCache::bytes_for(c, 48)), 48);
  EXPECT_EQ(KVCache::positions_within(c, KVCache::bytes_for(c, 48, DType::F16), DType::F16), 48);
  EXPECT_EQ(KVCache::positions_within(c, 100), 0);
  EXPECT_THROW(KVCache(c, 8, DType::Q8_0), std::invalid_argument);
  EXPECT_THROW(KVCache(c, 8, DType::BF16), std::invalid_argument);
}

TEST(KVCache, RefusesToStorePastItsCapacity) {
  const ModelConfig c = small_config();
  KVCache cache(c, 4);
  cache.advance(3);
  const std::vector<float> k = rows(c, 0, 3, 2, true), v = rows(c, 0, 3, 2, false);
  EXPECT_THROW(cache.store(0, k.data(), v.data(), 2), std::out_of_range);
  cache.store(0, k.data(), v.data(), 1);  // the last position fits
}

TEST(KVCache, ABackendsMemoryIsLaidOutByPosition) {
  const ModelConfig c = small_config();
  std::vector<float> keys(KVCache::bytes_for(c, 4) / 2 / sizeof(float)), values(keys.size());
  KVCache cache(c, 4, {keys.data(), values.data(), nullptr});
  EXPECT_EQ(cache.keys(1, 2), keys.data() + (4 + 2) * c.n_kv_heads * c.head_dim);
}

}  // namespace
}  // namespace reach::run
