#include "kernels/q8_k.h"

#include <immintrin.h>

#include <cmath>
#include <cstring>

#include "formats/quant_blocks.h"

namespace reach::run {

using namespace quants;

namespace {

float horizontal_max(__m256 v) {
  __m128 m = _mm_max_ps(_mm256_extractf128_ps(v, 1), _mm256_castps256_ps128(v));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  return _mm_cvtss_f32(_mm_max_ss(m, _mm_movehdup_ps(m)));
}

// The value of the first of 256 floats whose magnitude is `amax`: ggml's
// scalar loop keeps the first it meets, and its sign sets the scale's.
float first_with_magnitude(const float* x, float amax) {
  const __m256 sign = _mm256_set1_ps(-0.0f), target = _mm256_set1_ps(amax);
  for (int j = 0; j < kSuper; j += 8) {
    const __m256 magnitude = _mm256_andnot_ps(sign, _mm256_loadu_ps(x + j));
    const int hit = _mm256_movemask_ps(_mm256_cmp_ps(magnitude, target, _CMP_EQ_OQ));
    if (hit) return x[j + __builtin_ctz(static_cast<unsigned>(hit))];
  }
  return 0;
}

// 64 quants of one block from x: their bytes into qs, the sums of each 16
// into bsums[0..3].
void quantize_64(const float* x, __m256 iscale, int8_t* qs, int16_t* bsums) {
  __m256i q[8];
  for (int k = 0; k < 8; ++k) {
    __m256 v = _mm256_mul_ps(_mm256_loadu_ps(x + 8 * k), iscale);
    v = _mm256_and_ps(v, _mm256_cmp_ps(v, v, _CMP_ORD_Q));  // NaN -> 0, nearest_int's value for it
    q[k] = _mm256_min_epi32(_mm256_cvtps_epi32(v), _mm256_set1_epi32(127));  // rounds half to even, as nearest_int
  }
  // |q| ≤ 127: the saturating packs are exact; the permute undoes their
  // interleaving of 128-bit halves.
  const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  for (int h = 0; h < 2; ++h) {
    const __m256i* p = q + 4 * h;
    const __m256i packed = _mm256_packs_epi16(_mm256_packs_epi32(p[0], p[1]), _mm256_packs_epi32(p[2], p[3]));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(qs + 32 * h), _mm256_permutevar8x32_epi32(packed, order));
  }
  // Per 128-bit half, hadd(hadd(a, b), hadd(c, d)) holds the four vectors'
  // sums of that half; the halves added give the sums of 16.
  __m256i s[4];
  for (int i = 0; i < 4; ++i) s[i] = _mm256_add_epi32(q[2 * i], q[2 * i + 1]);
  const __m256i h = _mm256_hadd_epi32(_mm256_hadd_epi32(s[0], s[1]), _mm256_hadd_epi32(s[2], s[3]));
  const __m128i sums = _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
  _mm_storel_epi64(reinterpret_cast<__m128i*>(bsums), _mm_packs_epi32(sums, sums));
}

}  // namespace

// ggml's quantize_row_q8_K_ref, eight lanes at a time (decode quantizes
// every K-quant matrix's activation on one thread while the others wait:
// the scalar loop was about 10% of a Q4_K product of 448 rows in
// reach-gemv-bench). The same bytes: max_ps skips NaN as the scalar `>`
// does, the first element of largest magnitude gives the sign, and
// cvtps rounds half to even as nearest_int does.
void quantize_row_q8_k(const float* x, BlockQ8K* out, int64_t n) {
  const __m256 sign = _mm256_set1_ps(-0.0f);
  for (int64_t b = 0; b < n / kSuper; ++b, x += kSuper) {
    BlockQ8K& y = out[b];
    __m256 amax8 = _mm256_setzero_ps();
    for (int j = 0; j < kSuper; j += 8) amax8 = _mm256_max_ps(_mm256_andnot_ps(sign, _mm256_loadu_ps(x + j)), amax8);
    const float amax = horizontal_max(amax8);
    const float iscale = amax != 0 ? -127.f / first_with_magnitude(x, amax) : 0.f;
    if (!std::isfinite(iscale) || iscale == 0) {
      std::memset(&y, 0, sizeof y);
      continue;
    }
    for (int j = 0; j < kSuper; j += 64) quantize_64(x + j, _mm256_set1_ps(iscale), y.qs + j, y.bsums + j / 16);
    y.d = 1 / iscale;
  }
}

}  // namespace reach::run
