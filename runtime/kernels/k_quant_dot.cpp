#include "kernels/k_quant_dot.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>

#include "formats/half.h"
#include "formats/quant_blocks.h"

namespace reach::run {

using namespace quants;

void quantize_row_q8_k(const float* x, BlockQ8K* out, int64_t n) {
  for (int64_t b = 0; b < n / kSuper; ++b, x += kSuper) {
    BlockQ8K& y = out[b];
    float amax = 0, max = 0;
    for (int j = 0; j < kSuper; ++j)
      if (std::fabs(x[j]) > amax) amax = std::fabs(x[j]), max = x[j];
    const float iscale = amax != 0 ? -127.f / max : 0.f;
    if (!std::isfinite(iscale) || iscale == 0) {
      std::memset(&y, 0, sizeof y);
      continue;
    }
    for (int j = 0; j < kSuper; ++j) y.qs[j] = static_cast<int8_t>(std::min(127, nearest_int(iscale * x[j])));
    for (int j = 0; j < 16; ++j) {
      int sum = 0;
      for (int l = 0; l < 16; ++l) sum += y.qs[16 * j + l];
      y.bsums[j] = static_cast<int16_t>(sum);
    }
    y.d = 1 / iscale;
  }
}

namespace {

// One super-block as the dot product reads it, whatever its type: 256
// unsigned codes in element order and, per 16 elements, a scale and a
// minimum; value(e) = d·scale·(code - offset) - dmin·min.
struct Unpacked {
  __m256i codes[8];  // element group g: elements 32g .. 32g+31, each < 64
  alignas(32) int16_t scale[16];
  alignas(32) int16_t min[16];
  int offset = 0;
  float d = 0, dmin = 0;
};

__m256i load32(const uint8_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }

// Block b of a row, read in place: the vectors straight from the file's
// bytes. (Copying the block to an aligned struct first, as the
// conversions do, costs a store-forwarding stall on every 32-byte load.)
template <class Block>
const uint8_t* block_at(const std::byte* row, int64_t b) {
  return reinterpret_cast<const uint8_t*>(row) + b * static_cast<int64_t>(sizeof(Block));
}

float f16_at(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return f16_to_f32(h);
}

// Bit `bit` of each byte, alone, moved to bit `to`.
__m256i bit_of(__m256i v, int bit, int to) {
  const __m256i one = _mm256_set1_epi8(1);
  const __m256i b = _mm256_and_si256(_mm256_srli_epi16(v, bit), one);
  return _mm256_slli_epi16(b, to);  // each byte holds 0 or 1: nothing crosses into the next byte
}

__m256i two_bits(__m256i v, int shift) { return _mm256_and_si256(_mm256_srli_epi16(v, shift), _mm256_set1_epi8(3)); }
__m256i low_nibbles(__m256i v) { return _mm256_and_si256(v, _mm256_set1_epi8(0xF)); }
__m256i high_nibbles(__m256i v) { return low_nibbles(_mm256_srli_epi16(v, 4)); }

// Q2_K and Q3_K's 2-bit codes: 32 bytes per 128 elements, group g at bit 2·(g % 4).
void unpack_2bit(const uint8_t* qs, __m256i* codes) {
  for (int half = 0; half < 2; ++half) {
    const __m256i v = load32(qs + 32 * half);
    for (int s = 0; s < 4; ++s) codes[4 * half + s] = two_bits(v, 2 * s);
  }
}

// Q4_K/Q5_K's scales and minimums are per 32 elements: each fills two slots.
[[gnu::always_inline]] inline void k4_scales(const uint8_t* packed, float d, float dmin, Unpacked& u) {
  for (int j = 0; j < 8; ++j) {
    uint8_t sc, m;
    scale_min(j, packed, sc, m);
    u.scale[2 * j] = u.scale[2 * j + 1] = sc;
    u.min[2 * j] = u.min[2 * j + 1] = m;
  }
  u.d = d;
  u.dmin = dmin;
}

#define AT(Block, field) (p + offsetof(Block, field))

void unpack_q2_k(const std::byte* row, int64_t b, Unpacked& u) {
  const uint8_t* p = block_at<BlockQ2K>(row, b);
  unpack_2bit(AT(BlockQ2K, qs), u.codes);
  const uint8_t* scales = AT(BlockQ2K, scales);
  for (int j = 0; j < 16; ++j) {
    u.scale[j] = scales[j] & 0xF;
    u.min[j] = scales[j] >> 4;
  }
  u.d = f16_at(AT(BlockQ2K, d));
  u.dmin = f16_at(AT(BlockQ2K, dmin));
}

void unpack_q3_k(const std::byte* row, int64_t b, Unpacked& u) {
  const uint8_t* p = block_at<BlockQ3K>(row, b);
  unpack_2bit(AT(BlockQ3K, qs), u.codes);
  const __m256i high = load32(AT(BlockQ3K, hmask));  // element 32g + l: bit g of byte l
  for (int g = 0; g < 8; ++g) u.codes[g] = _mm256_or_si256(u.codes[g], bit_of(high, g, 2));
  for (int j = 0; j < 16; ++j) {
    u.scale[j] = static_cast<int16_t>(q3_scale(AT(BlockQ3K, scales), j));
    u.min[j] = 0;
  }
  u.offset = 4;
  u.d = f16_at(AT(BlockQ3K, d));
}

void unpack_q4_k(const std::byte* row, int64_t b, Unpacked& u) {
  const uint8_t* p = block_at<BlockQ4K>(row, b);
  for (int j = 0; j < 4; ++j) {  // 32 bytes: group 2j in the low nibbles, 2j+1 in the high
    const __m256i v = load32(AT(BlockQ4K, qs) + 32 * j);
    u.codes[2 * j] = low_nibbles(v);
    u.codes[2 * j + 1] = high_nibbles(v);
  }
  k4_scales(AT(BlockQ4K, scales), f16_at(AT(BlockQ4K, d)), f16_at(AT(BlockQ4K, dmin)), u);
}

void unpack_q5_k(const std::byte* row, int64_t b, Unpacked& u) {
  const uint8_t* p = block_at<BlockQ5K>(row, b);
  const __m256i high = load32(AT(BlockQ5K, qh));  // element 32g + l: bit g of byte l is its 16
  for (int j = 0; j < 4; ++j) {
    const __m256i v = load32(AT(BlockQ5K, qs) + 32 * j);
    u.codes[2 * j] = _mm256_or_si256(low_nibbles(v), bit_of(high, 2 * j, 4));
    u.codes[2 * j + 1] = _mm256_or_si256(high_nibbles(v), bit_of(high, 2 * j + 1, 4));
  }
  k4_scales(AT(BlockQ5K, scales), f16_at(AT(BlockQ5K, d)), f16_at(AT(BlockQ5K, dmin)), u);
}

void unpack_q6_k(const std::byte* row, int64_t b, Unpacked& u) {
  const uint8_t* p = block_at<BlockQ6K>(row, b);
  for (int half = 0; half < 2; ++half) {  // 128 elements: 64 bytes of ql, 32 of qh
    const __m256i a = load32(AT(BlockQ6K, ql) + 64 * half), c = load32(AT(BlockQ6K, ql) + 64 * half + 32);
    const __m256i h = load32(AT(BlockQ6K, qh) + 32 * half);
    __m256i* g = u.codes + 4 * half;
    g[0] = _mm256_or_si256(low_nibbles(a), _mm256_slli_epi16(two_bits(h, 0), 4));
    g[1] = _mm256_or_si256(low_nibbles(c), _mm256_slli_epi16(two_bits(h, 2), 4));
    g[2] = _mm256_or_si256(high_nibbles(a), _mm256_slli_epi16(two_bits(h, 4), 4));
    g[3] = _mm256_or_si256(high_nibbles(c), _mm256_slli_epi16(two_bits(h, 6), 4));
  }
  const auto* scales = reinterpret_cast<const int8_t*>(AT(BlockQ6K, scales));
  for (int j = 0; j < 16; ++j) {
    u.scale[j] = scales[j];
    u.min[j] = 0;
  }
  u.offset = 32;
  u.d = f16_at(AT(BlockQ6K, d));
}

#undef AT

int32_t hsum(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 0, 3, 2)));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
  return _mm_cvtsi128_si32(s);
}

// acc plus one super-block's product (the header's formula). The codes are
// < 64 and |q8| ≤ 127, so maddubs's pair sums (≤ 16002) never saturate.
[[gnu::always_inline]] inline float add_block(const Unpacked& u, const BlockQ8K& x, float acc) {
  __m256i sums = _mm256_setzero_si256();
  for (int g = 0; g < 8; ++g) {
    const __m256i pairs = _mm256_maddubs_epi16(u.codes[g], load32(reinterpret_cast<const uint8_t*>(x.qs + 32 * g)));
    const __m256i scale = _mm256_set_m128i(_mm_set1_epi16(u.scale[2 * g + 1]), _mm_set1_epi16(u.scale[2 * g]));
    sums = _mm256_add_epi32(sums, _mm256_madd_epi16(pairs, scale));
  }
  const __m256i bsums = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x.bsums));
  int32_t isum = hsum(sums);
  if (u.offset)
    isum -= u.offset * hsum(_mm256_madd_epi16(bsums, _mm256_load_si256(reinterpret_cast<const __m256i*>(u.scale))));
  const int32_t msum = hsum(_mm256_madd_epi16(bsums, _mm256_load_si256(reinterpret_cast<const __m256i*>(u.min))));
  acc = std::fma(u.d * x.d, static_cast<float>(isum), acc);
  return std::fma(-(u.dmin * x.d), static_cast<float>(msum), acc);
}

template <void (*unpack)(const std::byte*, int64_t, Unpacked&)>
float row_dot(const std::byte* row, const BlockQ8K* x, int64_t n) {
  float acc = 0;
  Unpacked u;
  for (int64_t b = 0; b < n / kSuper; ++b) {
    unpack(row, b, u);
    acc = add_block(u, x[b], acc);
  }
  return acc;
}

}  // namespace

KQuantRowDot k_quant_row_dot(DType type) {
  switch (type) {
    case DType::Q2_K: return row_dot<unpack_q2_k>;
    case DType::Q3_K: return row_dot<unpack_q3_k>;
    case DType::Q4_K: return row_dot<unpack_q4_k>;
    case DType::Q5_K: return row_dot<unpack_q5_k>;
    case DType::Q6_K: return row_dot<unpack_q6_k>;
    default: return nullptr;
  }
}

}  // namespace reach::run
