#include "kernels/quant.h"

#include <immintrin.h>

#include <cmath>
#include <cstring>

namespace reach::run {

void quantize_row_q8_0(const float* x, BlockQ8_0* out, int64_t n, int32_t* sums, float* scaled_sums) {
  const __m256 sign = _mm256_set1_ps(-0.0f);
  for (int64_t b = 0; b < n / kQuantBlock; ++b) {
    const float* xb = x + b * kQuantBlock;
    __m256 v[4], amax8 = _mm256_setzero_ps();
    for (int k = 0; k < 4; ++k) {
      v[k] = _mm256_loadu_ps(xb + 8 * k);
      amax8 = _mm256_max_ps(_mm256_andnot_ps(sign, v[k]), amax8);
    }
    __m128 amax4 = _mm_max_ps(_mm256_extractf128_ps(amax8, 1), _mm256_castps256_ps128(amax8));
    amax4 = _mm_max_ps(amax4, _mm_movehl_ps(amax4, amax4));
    amax4 = _mm_max_ss(amax4, _mm_movehdup_ps(amax4));
    const float amax = _mm_cvtss_f32(amax4);
    // Same arithmetic as ggml's AVX2 path (127/amax, round half to even),
    // so activations quantize to the very bytes llama.cpp computes with.
    // A block below 127/FLT_MAX (3.7e-37) would have an infinite id; it
    // quantizes to zeros (its F16 scale is 0 anyway; ggml's bytes are -128).
    const float d = amax / 127.0f;
    const float id = amax != 0.0f && 127.0f / amax != INFINITY ? 127.0f / amax : 0.0f;
    out[b].d = _cvtss_sh(d, _MM_FROUND_TO_NEAREST_INT);  // F16C: f32_to_f16's bits, without its branches
    __m256i q[4];
    for (int k = 0; k < 4; ++k)
      q[k] = _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(v[k], _mm256_set1_ps(id)),
                                                _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    // |q| ≤ 127, so the saturating packs are exact; they interleave 128-bit
    // halves, which the permute puts back in order.
    const __m256i packed = _mm256_packs_epi16(_mm256_packs_epi32(q[0], q[1]), _mm256_packs_epi32(q[2], q[3]));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out[b].q),
                        _mm256_permutevar8x32_epi32(packed, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)));
    if (sums || scaled_sums) {
      const __m256i s8 = _mm256_add_epi32(_mm256_add_epi32(q[0], q[1]), _mm256_add_epi32(q[2], q[3]));
      __m128i s4 = _mm_add_epi32(_mm256_extracti128_si256(s8, 1), _mm256_castsi256_si128(s8));
      s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, _MM_SHUFFLE(1, 0, 3, 2)));
      s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, _MM_SHUFFLE(2, 3, 0, 1)));
      const int32_t sum = _mm_cvtsi128_si32(s4);
      if (sums) sums[b] = sum;
      if (scaled_sums) scaled_sums[b] = _cvtsh_ss(_cvtss_sh(d * static_cast<float>(sum), _MM_FROUND_TO_NEAREST_INT));
    }
  }
}

void dequantize_row(DType type, const std::byte* row, float* out, int64_t n) {
  if (type != DType::F16) {
    type_traits(type).to_float(row, out, n);
    return;
  }
  // F16 rows are what prefill expands tile by tile: worth the vector loop.
  const auto* h = reinterpret_cast<const uint16_t*>(row);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(out + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h + i))));
  for (; i < n; ++i) out[i] = f16_to_f32(h[i]);
}

}  // namespace reach::run
