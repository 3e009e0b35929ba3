#include "kernels/attention.h"

#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/attention_kernel.h"

namespace reach::run {

void store_kv(const float* k, const float* v, int64_t pos0, int64_t n, KVLayout layout, AttentionShape shape,
              void* keys, void* values) {
  if (pos0 < 0 || n < 0 || pos0 + n > layout.capacity)
    throw std::out_of_range("store_kv: positions " + std::to_string(pos0) + " .. " + std::to_string(pos0 + n) +
                            " past a capacity of " + std::to_string(layout.capacity));
  const TypeTraits& type = type_traits(layout.type);
  const size_t element = type.row_bytes(1);
  const int32_t hd = shape.head_dim;
  const int64_t kv_dim = int64_t{shape.n_kv_heads} * hd;
  std::vector<std::byte> key_row(type.row_bytes(hd));  // a key row in the cache's type, then spread over its tile
  auto* key_bytes = static_cast<std::byte*>(keys);
  auto* value_bytes = static_cast<std::byte*>(values);
  for (int64_t t = 0; t < n; ++t)
    for (int32_t h = 0; h < shape.n_kv_heads; ++h) {
      const int64_t from = t * kv_dim + int64_t{h} * hd, pos = pos0 + t;
      type.from_float(v + from, value_bytes + element * layout.value_at(h, pos, 0, hd), hd);
      type.from_float(k + from, key_row.data(), hd);
      for (int32_t c = 0; c < hd; ++c)
        std::copy_n(key_row.data() + element * c, element, key_bytes + element * layout.key_at(h, pos, c, hd));
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
