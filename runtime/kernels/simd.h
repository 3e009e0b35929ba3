#pragma once
// Small AVX2 helpers shared by the kernels' .cpp files (compiled with
// -mavx2 -mfma -mf16c; not for headers that other libraries include).
#include <immintrin.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace reach::run::simd {

// Lanes [0, n) of an 8-lane vector set, the rest clear; n is clamped to
// [0, 8]. The mask for the part of a row, or of a head, that an 8-float
// chunk still covers.
inline __m256i lanes_below(int64_t n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int32_t>(std::clamp<int64_t>(n, 0, 8))),
                            _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// The sum of a vector's lanes: lanes l and l+4, then 0+2 and 1+3, then the
// two (the K-quant kernels' order: kernels/row_groups_k_kernel.h).
inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// The sum of a vector's lanes (exact).
inline int32_t hsum(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 0, 3, 2)));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
  return _mm_cvtsi128_si32(s);
}

// The sum of a vector's lanes, in lane order.
inline double hsum(__m256d v) {
  alignas(32) double lanes[4];
  _mm256_store_pd(lanes, v);
  return lanes[0] + lanes[1] + lanes[2] + lanes[3];
}

// Block b of a row of `Block`s, read in place: the vectors straight from
// the file's bytes. (Copying the block to an aligned struct first, as the
// conversions do, costs a store-forwarding stall on every vector load.)
template <class Block>
const uint8_t* block_at(const std::byte* row, int64_t b) {
  return reinterpret_cast<const uint8_t*>(row) + b * static_cast<int64_t>(sizeof(Block));
}

// The IEEE half at p (any alignment) through F16C: exact, as formats/half.h's
// portable f16_to_f32 (half_quantize_test checks the two agree on every half).
inline float f16_at(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return _cvtsh_ss(h);
}

}  // namespace reach::run::simd
