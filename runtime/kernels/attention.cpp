#include "kernels/attention.h"

#include <immintrin.h>

#include <stdexcept>
#include <string>

#include "formats/half.h"

#include "kernels/attention_kernel.h"

namespace reach::run {

namespace {

// x[0..n) rounded to the cache's type, element i at `out` + i * stride
// elements. F16 eight at a time with F16C's round-to-nearest-even, which
// gives formats/half.h's f32_to_f16 bits for every number and infinity
// (KVCache and attention tests; a NaN stays a NaN); the type table's scalar
// conversion took 13 times as long (BM_StoreKv, an F16 cache).
void store_row(const float* x, int64_t n, DType type, void* out, int64_t stride) {
  if (type == DType::F32) {
    auto* o = static_cast<float*>(out);
    for (int64_t i = 0; i < n; ++i) o[i * stride] = x[i];
    return;
  }
  auto* o = static_cast<uint16_t*>(out);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m128i halves = _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT);
    if (stride == 1) {
      _mm_storeu_si128(reinterpret_cast<__m128i*>(o + i), halves);
      continue;
    }
    alignas(16) uint16_t h[8];
    _mm_store_si128(reinterpret_cast<__m128i*>(h), halves);
    for (int j = 0; j < 8; ++j) o[(i + j) * stride] = h[j];
  }
  for (; i < n; ++i) o[i * stride] = f32_to_f16(x[i]);
}

}  // namespace

void store_kv(const float* k, const float* v, int64_t pos0, int64_t n, KVLayout layout, AttentionShape shape,
              void* keys, void* values) {
  if (layout.type != DType::F32 && layout.type != DType::F16)
    throw std::invalid_argument("store_kv: a KV cache of " + std::string(type_traits(layout.type).name) +
                                " (F32 and F16 are the types it holds)");
  if (pos0 < 0 || n < 0 || pos0 + n > layout.capacity)
    throw std::out_of_range("store_kv: positions " + std::to_string(pos0) + " .. " + std::to_string(pos0 + n) +
                            " past a capacity of " + std::to_string(layout.capacity));
  const size_t element = type_traits(layout.type).row_bytes(1);
  const int32_t hd = shape.head_dim;
  const int64_t kv_dim = int64_t{shape.n_kv_heads} * hd;
  auto* key_bytes = static_cast<std::byte*>(keys);
  auto* value_bytes = static_cast<std::byte*>(values);
  for (int64_t t = 0; t < n; ++t)
    for (int32_t h = 0; h < shape.n_kv_heads; ++h) {
      const int64_t from = t * kv_dim + int64_t{h} * hd, pos = pos0 + t;
      store_row(v + from, hd, layout.type, value_bytes + element * layout.value_at(h, pos, 0, hd), 1);
      // A key's elements lie a key tile apart (KVLayout::key_at).
      store_row(k + from, hd, layout.type, key_bytes + element * layout.key_at(h, pos, 0, hd), kKeyTile);
    }
}

void attention(const float* q, int64_t n_tokens, int64_t pos0, const void* k, const void* v, KVLayout layout,
               AttentionShape shape, float* out, ThreadPool& pool, Isa isa) {
  if (layout.type != DType::F32 && layout.type != DType::F16)
    throw std::invalid_argument("attention: a KV cache of " + std::string(type_traits(layout.type).name) +
                                " (F32 and F16 are the types it reads)");
  const attention_kernel::Job job{q, n_tokens, pos0, k, v, layout, shape, out, active_prefetch().for_type(layout.type)};
  const auto run = isa == Isa::avx512_vnni ? attention_avx512::run_tasks : attention_avx2::run_tasks;
  const int64_t tiles = (n_tokens + attention_kernel::kTokenTile - 1) / attention_kernel::kTokenTile;
  pool.parallel_for(tiles * shape.n_kv_heads, 1, [&](int64_t begin, int64_t end) { run(job, begin, end); });
}

}  // namespace reach::run
