#pragma once
// Eight floats in an AVX2 vector, as the kernels written once over a vector
// type want them (attention_kernel.h, vector_exp.h); for the .cpp files
// compiled with -mavx2 -mfma -mf16c (as simd.h).
#include <immintrin.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>

#include "kernels/ops.h"
#include "kernels/simd.h"

namespace reach::run {

struct F32x8 {
  using F = __m256;
  using Mask = __m256i;
  static constexpr int kLanes = 8;
  // Sixteen registers: 8 chains of scores (4 heads of a tile's 2 vectors),
  // 12 of weighted sums (3 heads of 4 vectors), beside what they read.
  static constexpr int kScoreChains = 8;
  static constexpr int kMaxScoreHeads = 4;
  static constexpr int kSumHeads = 3;

  static F zero() { return _mm256_setzero_ps(); }
  static F set1(float x) { return _mm256_set1_ps(x); }
  static F add(F a, F b) { return _mm256_add_ps(a, b); }
  static F sub(F a, F b) { return _mm256_sub_ps(a, b); }
  static F mul(F a, F b) { return _mm256_mul_ps(a, b); }
  static F div(F a, F b) { return _mm256_div_ps(a, b); }
  static F fmadd(F a, F b, F c) { return _mm256_fmadd_ps(a, b, c); }
  static F fnmadd(F a, F b, F c) { return _mm256_fnmadd_ps(a, b, c); }
  // min/max return their second operand when either is NaN.
  static F min(F a, F b) { return _mm256_min_ps(a, b); }
  static F max(F a, F b) { return _mm256_max_ps(a, b); }
  static F round_to_nearest(F x) { return _mm256_round_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  // p · 2^n for whole n in [-252, 254], as two factors 2^(n/2) and 2^(n - n/2),
  // each a normal float.
  static F times_pow2(F p, F n) {
    const __m256i ni = _mm256_cvtps_epi32(n), half = _mm256_srai_epi32(ni, 1);
    const auto pow2 = [](__m256i e) {
      return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(e, _mm256_set1_epi32(127)), 23));
    };
    return _mm256_mul_ps(_mm256_mul_ps(p, pow2(half)), pow2(_mm256_sub_epi32(ni, half)));
  }
  // `then` in the lanes where a < b (a > b), `otherwise` elsewhere and
  // where either is NaN.
  static F where_less(F a, F b, F then, F otherwise) {
    return _mm256_blendv_ps(otherwise, then, _mm256_cmp_ps(a, b, _CMP_LT_OQ));
  }
  static F where_greater(F a, F b, F then, F otherwise) {
    return _mm256_blendv_ps(otherwise, then, _mm256_cmp_ps(a, b, _CMP_GT_OQ));
  }
  static Mask lanes_below(int64_t n) { return simd::lanes_below(n); }
  static F clear_past(Mask mask, F x) { return _mm256_and_ps(x, _mm256_castsi256_ps(mask)); }
  // vector_exp.h's sixteen double lanes, four to a register: x, part 0 or
  // 1 of sixteen elements, widened exactly into lanes 8 · part...
  struct Sum {
    __m256d q[4];
  };
  [[gnu::always_inline]] static void add_to(Sum& sum, F x, int part) {
    __m256d* half = sum.q + 2 * part;
    half[0] = _mm256_add_pd(half[0], _mm256_cvtps_pd(_mm256_castps256_ps128(x)));
    half[1] = _mm256_add_pd(half[1], _mm256_cvtps_pd(_mm256_extractf128_ps(x, 1)));
  }
  static void lanes_into(const Sum& sum, double* l) {
    for (int j = 0; j < 4; ++j) _mm256_store_pd(l + 4 * j, sum.q[j]);
  }
  // Softmax's numerator over a row (ops.h's, which is vector_exp.h's in
  // this width).
  static float exp_shifted(float* x, int64_t n) { return reach::run::exp_shifted(x, n); }
  static float max_lane(F x) {
    alignas(32) float each[kLanes];
    _mm256_store_ps(each, x);
    float m = each[0];
    for (const float e : each) m = std::max(m, e);
    return m;
  }

  static F load(const float* p) { return _mm256_loadu_ps(p); }
  static F load(const uint16_t* p) { return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))); }
  // The lanes of `mask` (a prefix); nothing is read past them.
  static F load(const float* p, Mask mask, bool whole) { return whole ? load(p) : _mm256_maskload_ps(p, mask); }
  static F load(const uint16_t* p, Mask mask, bool whole) {
    if (whole) return load(p);
    uint16_t lanes[kLanes] = {};
    std::memcpy(lanes, p, 2 * static_cast<size_t>(std::popcount(static_cast<unsigned>(_mm256_movemask_ps(_mm256_castsi256_ps(mask))))));
    return load(lanes);
  }
  static void store(float* p, F x) { _mm256_storeu_ps(p, x); }
  static void store(float* p, Mask mask, F x) { _mm256_maskstore_ps(p, mask, x); }
};

}  // namespace reach::run
