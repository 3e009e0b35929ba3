#include "kernels/block_dot.h"

#include <immintrin.h>

#include <cmath>
#include <cstddef>
#include <cstring>

#include "formats/quant_blocks.h"
#include "kernels/simd.h"

namespace reach::run {

using namespace quants;

namespace {

using simd::block_at;
using simd::f16_at;

// One block as the dot product reads it: 32 unsigned codes in element
// order, value(j) = d·(code - offset) + m.
struct Unpacked {
  __m256i codes;
  int offset = 0;
  float d = 0, m = 0;
};

// Elements 0..15 from the low nibbles of 16 bytes, 16..31 from the high.
__m256i nibbles(const uint8_t* qs) {
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
  const __m128i low = _mm_set1_epi8(0xF);
  return _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(v, 4), low), _mm_and_si128(v, low));
}

// 16 in byte j where bit j of the 32 bits at `qh` is set (the 5th bits).
__m256i fifth_bits(const uint8_t* qh) {
  uint32_t bits;
  std::memcpy(&bits, qh, 4);
  // Byte j gets byte j/8 of `bits`, then only bit j%8 of it is looked at.
  const __m256i spread = _mm256_shuffle_epi8(
      _mm256_set1_epi32(static_cast<int32_t>(bits)),
      _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202, 0x0101010101010101, 0x0000000000000000));
  const __m256i bit = _mm256_set1_epi64x(static_cast<int64_t>(0x8040201008040201));
  return _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(spread, bit), bit), _mm256_set1_epi8(16));
}

#define AT(Block, field) (p + offsetof(Block, field))

[[gnu::always_inline]] inline void unpack_q4_1(const std::byte* row, int64_t b, Unpacked& u) {
  const uint8_t* p = block_at<BlockQ4_1>(row, b);
  u.codes = nibbles(AT(BlockQ4_1, qs));
  u.d = f16_at(AT(BlockQ4_1, d));
  u.m = f16_at(AT(BlockQ4_1, m));
}

[[gnu::always_inline]] inline void unpack_q5_0(const std::byte* row, int64_t b, Unpacked& u) {
  const uint8_t* p = block_at<BlockQ5_0>(row, b);
  u.codes = _mm256_or_si256(nibbles(AT(BlockQ5_0, qs)), fifth_bits(AT(BlockQ5_0, qh)));
  u.offset = 16;
  u.d = f16_at(AT(BlockQ5_0, d));
}

[[gnu::always_inline]] inline void unpack_q5_1(const std::byte* row, int64_t b, Unpacked& u) {
  const uint8_t* p = block_at<BlockQ5_1>(row, b);
  u.codes = _mm256_or_si256(nibbles(AT(BlockQ5_1, qs)), fifth_bits(AT(BlockQ5_1, qh)));
  u.d = f16_at(AT(BlockQ5_1, d));
  u.m = f16_at(AT(BlockQ5_1, m));
}

#undef AT

// Codes < 32 and |q8| ≤ 127: maddubs's pair sums never saturate.
template <void (*unpack)(const std::byte*, int64_t, Unpacked&)>
float row_dot(const std::byte* row, const BlockQ8_0* x, const int32_t* x_sums, const float* x_s, int64_t n) {
  float acc = 0, mins = 0;
  Unpacked u;
  const __m256i ones = _mm256_set1_epi16(1);
  for (int64_t b = 0; b < n / 32; ++b) {
    unpack(row, b, u);
    const __m256i q8 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[b].q));
    const int32_t isum = simd::hsum(_mm256_madd_epi16(_mm256_maddubs_epi16(u.codes, q8), ones)) - u.offset * x_sums[b];
    acc = std::fma(u.d * _cvtsh_ss(x[b].d), static_cast<float>(isum), acc);
    mins = std::fma(u.m, x_s[b], mins);
  }
  return acc + mins;
}

}  // namespace

BlockRowDot block_row_dot(DType type) {
  switch (type) {
    case DType::Q4_1: return row_dot<unpack_q4_1>;
    case DType::Q5_0: return row_dot<unpack_q5_0>;
    case DType::Q5_1: return row_dot<unpack_q5_1>;
    default: return nullptr;
  }
}

}  // namespace reach::run
