#include "quantize_ref.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "formats/byte_sink.h"
#include "formats/half.h"

namespace reach::test {

using run::append_le;

constexpr size_t kBlock = 32;

void encode_row(run::DType type, std::span<const float> x, std::vector<std::byte>& out) {
  const run::TypeTraits& t = run::type_traits(type);
  if (static_cast<int64_t>(x.size()) % t.block_elems != 0)
    throw std::invalid_argument(std::string(t.name) + " rows must be a multiple of " + std::to_string(t.block_elems));
  const size_t at = out.size();
  out.resize(at + t.row_bytes(static_cast<int64_t>(x.size())));
  t.from_float(x.data(), out.data() + at, static_cast<int64_t>(x.size()));
}

void quantize_row_q8_0_activation_ref(std::span<const float> x, std::vector<std::byte>& out) {
  if (x.size() % kBlock != 0) throw std::invalid_argument("Q8_0 rows must be a multiple of 32");
  for (size_t b = 0; b < x.size() / kBlock; ++b) {
    const float* v = x.data() + b * kBlock;
    float amax = 0.0f;
    for (size_t j = 0; j < kBlock; ++j) amax = std::max(amax, std::fabs(v[j]));
    const float d = amax / 127.0f;
    // Where 127/amax overflows (amax below 3.7e-37, scale 0 in F16) ggml's
    // AVX2 code writes -128s; reach-run writes zeros, the same values.
    const float id = amax != 0.0f && 127.0f / amax != INFINITY ? 127.0f / amax : 0.0f;
    append_le<uint16_t>(out, run::f32_to_f16(d));
    for (size_t j = 0; j < kBlock; ++j) append_le<int8_t>(out, static_cast<int8_t>(std::nearbyint(v[j] * id)));
  }
}

}  // namespace reach::test
