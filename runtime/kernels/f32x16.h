#pragma once
// Sixteen floats in an AVX-512 vector, as the kernels written once over a
// vector type want them (attention_kernel.h, vector_exp.h): F32x8's
// (f32x8.h) operations in 512 bits, each lane the same operations, so the
// same bits. For the .cpp files compiled with -mavx512f -mavx512bw
// -mavx512vl only; internal linkage, so that no other file's inline copy
// of these functions (built without AVX-512) can stand in for them.
#include <immintrin.h>

#include <cstdint>

#include "kernels/vector_exp.h"

namespace reach::run {
namespace {

struct F32x16 {
  using F = __m512;
  using Mask = __mmask16;
  static constexpr int kLanes = 16;
  // 32 registers: 16 chains of scores (8 heads of two tiles), 16 of
  // weighted sums (4 heads of 4 vectors), beside what they read.
  static constexpr int kScoreChains = 16;
  static constexpr int kMaxScoreHeads = 8;
  static constexpr int kSumHeads = 4;

  static F zero() { return _mm512_setzero_ps(); }
  static F set1(float x) { return _mm512_set1_ps(x); }
  static F add(F a, F b) { return _mm512_add_ps(a, b); }
  static F sub(F a, F b) { return _mm512_sub_ps(a, b); }
  static F mul(F a, F b) { return _mm512_mul_ps(a, b); }
  static F div(F a, F b) { return _mm512_div_ps(a, b); }
  static F fmadd(F a, F b, F c) { return _mm512_fmadd_ps(a, b, c); }
  static F fnmadd(F a, F b, F c) { return _mm512_fnmadd_ps(a, b, c); }
  // min/max return their second operand when either is NaN (as F32x8's).
  static F min(F a, F b) { return _mm512_min_ps(a, b); }
  static F max(F a, F b) { return _mm512_max_ps(a, b); }
  static F round_to_nearest(F x) { return _mm512_roundscale_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  // p · 2^n as F32x8's: two factors, each a normal float.
  static F times_pow2(F p, F n) {
    const __m512i ni = _mm512_cvtps_epi32(n), half = _mm512_srai_epi32(ni, 1);
    const auto pow2 = [](__m512i e) {
      return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(e, _mm512_set1_epi32(127)), 23));
    };
    return _mm512_mul_ps(_mm512_mul_ps(p, pow2(half)), pow2(_mm512_sub_epi32(ni, half)));
  }
  static F where_less(F a, F b, F then, F otherwise) {
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(a, b, _CMP_LT_OQ), otherwise, then);
  }
  static F where_greater(F a, F b, F then, F otherwise) {
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(a, b, _CMP_GT_OQ), otherwise, then);
  }
  static Mask lanes_below(int64_t n) {
    return n >= kLanes ? Mask{0xFFFF} : n <= 0 ? Mask{0} : static_cast<Mask>((1u << n) - 1);
  }
  static F clear_past(Mask mask, F x) { return _mm512_maskz_mov_ps(mask, x); }
  // vector_exp.h's sixteen double lanes, eight to a register: x (part 0,
  // the whole sixteen) widened exactly into lanes 0-15.
  struct Sum {
    __m512d half[2];
  };
  static void add_to(Sum& sum, F x, int /*part*/) {
    sum.half[0] = _mm512_add_pd(sum.half[0], _mm512_cvtps_pd(_mm512_castps512_ps256(x)));
    sum.half[1] = _mm512_add_pd(sum.half[1],
                                _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(x), 1))));
  }
  static void lanes_into(const Sum& sum, double* l) {
    _mm512_store_pd(l, sum.half[0]);
    _mm512_store_pd(l + 8, sum.half[1]);
  }
  static float max_lane(F x) { return _mm512_reduce_max_ps(x); }
  // Softmax's numerator over a row in 16 lanes: the bits of ops.h's (8 lanes).
  static float exp_shifted(float* x, int64_t n) { return vector_exp::exp_shifted<F32x16>(x, n); }

  static F load(const float* p) { return _mm512_loadu_ps(p); }
  static F load(const uint16_t* p) { return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))); }
  // The lanes of `mask`; nothing is read past them.
  static F load(const float* p, Mask mask, bool whole) { return whole ? load(p) : _mm512_maskz_loadu_ps(mask, p); }
  static F load(const uint16_t* p, Mask mask, bool whole) {
    return whole ? load(p) : _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(mask, p));
  }
  static void store(float* p, F x) { _mm512_storeu_ps(p, x); }
  static void store(float* p, Mask mask, F x) { _mm512_mask_storeu_ps(p, mask, x); }
};

}  // namespace
}  // namespace reach::run
