#include "kernels/k_quant_dot.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>

#include "formats/half.h"
#include "formats/quant_blocks.h"
#include "kernels/cpu_features.h"
#include "kernels/prefetch_ahead.h"
#include "kernels/simd.h"

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

namespace {

using simd::block_at;
using simd::f16_at;

// One super-block as the dot product reads it, whatever its type: 256
// unsigned codes in element order and, per 16 elements, a scale and a
// minimum; value(e) = d·scale·(code - offset) - dmin·min.
struct Unpacked {
  __m256i codes[8];  // element group g: elements 32g .. 32g+31, each < 64
  __m256i scale;     // 16 int16: sub-block j's scale (16 elements each)
  __m256i min;       // 16 int16: sub-block j's minimum (0 for Q3_K)
  int offset = 0;
  float d = 0, dmin = 0;
};

__m256i load32(const uint8_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }

// Bit `bit` of each byte, alone, moved to bit `to`: one 16-bit shift by the
// difference and a mask. The bit that lands at `to` in either byte of a
// 16-bit lane comes from `bit` of that same byte (both are below 8), and the
// mask drops whatever crossed from the other byte.
[[gnu::always_inline]] inline __m256i bit_of(__m256i v, int bit, int to) {
  const __m256i moved = bit >= to ? _mm256_srli_epi16(v, bit - to) : _mm256_slli_epi16(v, to - bit);
  return _mm256_and_si256(moved, _mm256_set1_epi8(static_cast<char>(1 << to)));
}

__m256i two_bits(__m256i v, int shift) { return _mm256_and_si256(_mm256_srli_epi16(v, shift), _mm256_set1_epi8(3)); }

// Q2_K and Q3_K's 2-bit codes: 32 bytes per 128 elements, group g at bit 2·(g % 4).
void unpack_2bit(const uint8_t* qs, __m256i* codes) {
  for (int half = 0; half < 2; ++half) {
    const __m256i v = load32(qs + 32 * half);
    for (int s = 0; s < 4; ++s) codes[4 * half + s] = two_bits(v, 2 * s);
  }
}

// Sixteen bytes as sixteen int16, unsigned or signed.
__m256i widen_u8(__m128i v) { return _mm256_cvtepu8_epi16(v); }
__m256i widen_i8(__m128i v) { return _mm256_cvtepi8_epi16(v); }

// Q3_K's sixteen 6-bit scales, as int8 (each already minus 32): the 12
// bytes as three words, their nibbles and 2-bit pairs moved in four word
// operations each, as ggml's dequantize_row_q3_K does (one quants::q3_scale
// call each had been about half of a super-block's operations; decode of
// the Q3_K_M file went from 14 to 22-26 GB/s on Zen 5).
[[gnu::always_inline]] inline __m128i q3_k_scales(const uint8_t* packed) {
  constexpr uint32_t kLow4 = 0x0f0f0f0f, kLow2 = 0x03030303;
  uint32_t w[3];
  std::memcpy(w, packed, 12);
  const __m128i scales = _mm_set_epi32(static_cast<int>(((w[1] >> 4) & kLow4) | (((w[2] >> 6) & kLow2) << 4)),
                                       static_cast<int>(((w[0] >> 4) & kLow4) | (((w[2] >> 4) & kLow2) << 4)),
                                       static_cast<int>((w[1] & kLow4) | (((w[2] >> 2) & kLow2) << 4)),
                                       static_cast<int>((w[0] & kLow4) | ((w[2] & kLow2) << 4)));
  return _mm_sub_epi8(scales, _mm_set1_epi8(32));
}

#define AT(Block, field) (p + offsetof(Block, field))

[[gnu::always_inline]] inline void unpack_q2_k(const std::byte* row, int64_t b, Unpacked& u) {
  const uint8_t* p = block_at<BlockQ2K>(row, b);
  unpack_2bit(AT(BlockQ2K, qs), u.codes);
  const __m128i scales = _mm_loadu_si128(reinterpret_cast<const __m128i*>(AT(BlockQ2K, scales)));
  const __m128i low = _mm_set1_epi8(0xF);
  u.scale = widen_u8(_mm_and_si128(scales, low));
  u.min = widen_u8(_mm_and_si128(_mm_srli_epi16(scales, 4), low));
  u.d = f16_at(AT(BlockQ2K, d));
  u.dmin = f16_at(AT(BlockQ2K, dmin));
}

[[gnu::always_inline]] inline void unpack_q3_k(const std::byte* row, int64_t b, Unpacked& u) {
  const uint8_t* p = block_at<BlockQ3K>(row, b);
  unpack_2bit(AT(BlockQ3K, qs), u.codes);
  const __m256i high = load32(AT(BlockQ3K, hmask));  // element 32g + l: bit g of byte l
  for (int g = 0; g < 8; ++g) u.codes[g] = _mm256_or_si256(u.codes[g], bit_of(high, g, 2));
  u.scale = widen_i8(q3_k_scales(AT(BlockQ3K, scales)));
  u.min = _mm256_setzero_si256();
  u.offset = 4;
  u.d = f16_at(AT(BlockQ3K, d));
}

#undef AT

// Per-lane accumulators of a row's dot product (see the header): lane l
// of `codes` sums, in every element group, elements 4l..4l+3, weighted by
// the scale of their sub-block; lane l of `subs` sub-blocks 2l and 2l+1.
struct Lanes {
  __m256 scaled = _mm256_setzero_ps();  // Σ d·d8 · (codes - offset·subs)
  __m256 mins = _mm256_setzero_ps();    // Σ -dmin·d8 · subs of the minimums
};

// Adds one super-block. The codes are < 64 and |q8| ≤ 127, so maddubs's
// pair sums (≤ 16002) never saturate; every lane's integer is exact.
[[gnu::always_inline]] inline void add_block(const Unpacked& u, const BlockQ8K& x, Lanes& acc) {
  // The even sub-blocks' scales in the low 128 bits, the odd ones' in the
  // high: then one shuffle gives group g's pair, sub-block 2g's scale to
  // the low half of the group, 2g+1's to the high.
  const __m256i by_parity = _mm256_permute4x64_epi64(
      _mm256_shuffle_epi8(u.scale, _mm256_setr_epi8(0, 1, 4, 5, 8, 9, 12, 13, 2, 3, 6, 7, 10, 11, 14, 15,  //
                                                    0, 1, 4, 5, 8, 9, 12, 13, 2, 3, 6, 7, 10, 11, 14, 15)),
      _MM_SHUFFLE(3, 1, 2, 0));
  __m256i codes = _mm256_setzero_si256();
  for (int g = 0; g < 8; ++g) {
    const __m256i pairs = _mm256_maddubs_epi16(u.codes[g], load32(reinterpret_cast<const uint8_t*>(x.qs + 32 * g)));
    const __m256i scale = _mm256_shuffle_epi8(by_parity, _mm256_set1_epi16(static_cast<int16_t>(0x0100 + 0x0202 * g)));
    codes = _mm256_add_epi32(codes, _mm256_madd_epi16(pairs, scale));
  }
  const __m256i bsums = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x.bsums));
  const __m256i offsets = _mm256_mullo_epi32(_mm256_set1_epi32(u.offset), _mm256_madd_epi16(bsums, u.scale));
  const __m256i mins = _mm256_madd_epi16(bsums, u.min);
  acc.scaled = _mm256_fmadd_ps(_mm256_set1_ps(u.d * x.d), _mm256_cvtepi32_ps(_mm256_sub_epi32(codes, offsets)),
                               acc.scaled);
  acc.mins = _mm256_fmadd_ps(_mm256_set1_ps(-(u.dmin * x.d)), _mm256_cvtepi32_ps(mins), acc.mins);
}

// The lines of the super-block at p, prefetched the CPU's distances ahead
// (kernels/cpu_features.h). A thread's rows are one stream through the
// file, and the hardware prefetchers alone leave decode short of the
// bandwidth.
template <class Block>
[[gnu::always_inline]] inline void prefetch_block(const std::byte* p, Ahead ahead) {
  const uintptr_t at = reinterpret_cast<uintptr_t>(p);
  for (uintptr_t line = at & ~uintptr_t{63}; line < at + sizeof(Block); line += 64)
    prefetch_lines_ahead(reinterpret_cast<const char*>(line), ahead);
}

// T tokens against each of `rows` rows: a row's super-blocks are unpacked
// once for all T (prefill's cost is the unpacking), each token has its own
// lanes.
template <class Block, DType Type, void (*unpack)(const std::byte*, int64_t, Unpacked&), int T>
void rows_dots(const std::byte* w, size_t row_bytes, int64_t rows, const BlockQ8K* x, int64_t x_stride, int64_t n,
               float* y, int64_t y_stride) {
  const Ahead ahead = active_prefetch().for_type(Type);
  for (int64_t r = 0; r < rows; ++r) {
    const std::byte* row = w + static_cast<size_t>(r) * row_bytes;
    Lanes acc[T];
    Unpacked u;
    for (int64_t b = 0; b < n / kSuper; ++b) {
      prefetch_block<Block>(row + b * static_cast<int64_t>(sizeof(Block)), ahead);
      unpack(row, b, u);
      for (int t = 0; t < T; ++t) add_block(u, x[t * x_stride + b], acc[t]);
    }
    for (int t = 0; t < T; ++t) y[t * y_stride + r] = simd::hsum(_mm256_add_ps(acc[t].scaled, acc[t].mins));
  }
}

template <class Block, DType Type, void (*unpack)(const std::byte*, int64_t, Unpacked&)>
void rows_dot(const std::byte* w, size_t row_bytes, int64_t rows, const BlockQ8K* x, int64_t x_stride, int tokens,
              int64_t n, float* y, int64_t y_stride) {
  for (; tokens >= 4; tokens -= 4, x += 4 * x_stride, y += 4 * y_stride)
    rows_dots<Block, Type, unpack, 4>(w, row_bytes, rows, x, x_stride, n, y, y_stride);
  switch (tokens) {
    case 3: return rows_dots<Block, Type, unpack, 3>(w, row_bytes, rows, x, x_stride, n, y, y_stride);
    case 2: return rows_dots<Block, Type, unpack, 2>(w, row_bytes, rows, x, x_stride, n, y, y_stride);
    case 1: return rows_dots<Block, Type, unpack, 1>(w, row_bytes, rows, x, x_stride, n, y, y_stride);
    default: return;
  }
}

}  // namespace

KQuantRowsDot k_quant_rows_dot(DType type) {
  switch (type) {
    case DType::Q2_K: return rows_dot<BlockQ2K, DType::Q2_K, unpack_q2_k>;
    case DType::Q3_K: return rows_dot<BlockQ3K, DType::Q3_K, unpack_q3_k>;
    default: return nullptr;
  }
}

}  // namespace reach::run
