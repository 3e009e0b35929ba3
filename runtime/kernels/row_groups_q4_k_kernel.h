#pragma once
// The Q4_K row-group kernel (layout in row_groups_layout.h), written once and
// compiled once per instruction set by row_groups_<isa>.cpp. Its arithmetic
// is the K-quant row dot's (kernels/k_quant_dot.h) with the rows in the
// lanes: per row and token, eight lanes l of exact integers per
// super-block,
//   codes(l) = Σ_g sc_g · Σ_{k<4} q(32g + 4l + k) · x(32g + 4l + k)   (sub-blocks g of 32)
//   mins(l)  = m_l · Σ_{e in sub-block l} x(e)
//   scaled(l) = fma(d·d_x, float(codes(l)), scaled(l))
//   minsum(l) = fma(-(dmin·d_x), float(mins(l)), minsum(l))
// and the row's dot is Σ_l scaled(l) + minsum(l) in the order (l, l+4),
// (0, 2) + (1, 3). The integer lanes are those of ggml's AVX2 q4_K dot
// product; keeping this order keeps test/e2e's greedy tokens equal to
// llama.cpp's (one sum per super-block and row, tried first, was faster for
// prefill but parted from llama.cpp on one of the 94 comparisons by 0.064 in
// logits: a flipped rounding of the next layer's 8-bit activations grows). Here lane l of
// a row is vector k = l of each sub-block: one accumulator per l. A variant
// supplies a policy D:
//   D::kTokens                      activation rows per pass (its registers)
//   D::add(acc, u4, s8, scale16)    acc + Σ over each lane's four bytes of
//                                   u4·s8, times the lane's int16 scale (exact)
//
// Internal linkage throughout (see row_groups_layout.h).
#include "kernels/row_groups_kernel.h"

namespace reach::run::row_groups {
namespace {

inline __m256i load_lines(const char* p) { return _mm256_load_si256(reinterpret_cast<const __m256i*>(p)); }

// Byte k (0..3) of every 32-bit lane, as an int32.
inline __m256i byte_of_lanes(__m256i v, int k) {
  return _mm256_and_si256(_mm256_srli_epi32(v, 8 * k), _mm256_set1_epi32(0xFF));
}

// The eight rows' 6-bit scales and minimums of sub-blocks 0-3 (`low`) and
// 4-7 (`high`), one byte each per lane: ggml's get_scale_min_k4 on the
// three words of each row's 12 bytes.
struct Q4KScales {
  __m256i scale_low, scale_high, min_low, min_high;

  explicit Q4KScales(const char* header) {
    const __m256i w0 = load_lines(header + 32), w1 = load_lines(header + 64), w2 = load_lines(header + 96);
    const __m256i low6 = _mm256_set1_epi8(0x3F), low4 = _mm256_set1_epi8(0x0F), low2 = _mm256_set1_epi8(0x03);
    const auto top2 = [&](__m256i w) { return _mm256_slli_epi32(_mm256_and_si256(_mm256_srli_epi32(w, 6), low2), 4); };
    scale_low = _mm256_and_si256(w0, low6);
    min_low = _mm256_and_si256(w1, low6);
    scale_high = _mm256_or_si256(_mm256_and_si256(w2, low4), top2(w0));
    min_high = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi32(w2, 4), low4), top2(w1));
  }
  __m256i scale(int j) const { return byte_of_lanes(j < 4 ? scale_low : scale_high, j % 4); }
  __m256i min(int j) const { return byte_of_lanes(j < 4 ? min_low : min_high, j % 4); }
};

// A 32-bit lane's int16 value (< 64) in both of its halves: what madd pairs
// with the two int16 pair sums of maddubs.
inline __m256i both_halves(__m256i v) { return _mm256_or_si256(v, _mm256_slli_epi32(v, 16)); }

// The eight rows of one group times activation rows t0..t0+T-1, into
// y[(t0 + t) * job.rows + r] for the group's `rows` real rows.
template <class D, int T>
void q4_k_group_times_rows(const char* line, const Q4KJob& job, int64_t t0, float* y, int64_t rows) {
  const Ahead ahead{job.prefetch_l1, job.prefetch_l2};
  const __m256i low4 = _mm256_set1_epi8(0x0F);
  __m256 scaled[T][8], minsum[T][8];
  for (int t = 0; t < T; ++t)
    for (int l = 0; l < 8; ++l) scaled[t][l] = minsum[t][l] = _mm256_setzero_ps();
  for (int64_t s = 0; s < job.supers; ++s) {
    prefetch_lines_ahead(line, ahead);
    prefetch_lines_ahead(line + 64, ahead);
    const __m256 d = _mm256_cvtph_ps(_mm_load_si128(reinterpret_cast<const __m128i*>(line)));
    const __m256 dmin = _mm256_cvtph_ps(_mm_load_si128(reinterpret_cast<const __m128i*>(line + 16)));
    const Q4KScales scales(line);
    line += kQ4KHeaderBytes;
    const BlockQ8K* x[T];
    for (int t = 0; t < T; ++t) x[t] = job.xq + (t0 + t) * job.supers + s;
    __m256i codes[T][8];
    for (int t = 0; t < T; ++t)
      for (int l = 0; l < 8; ++l) codes[t][l] = _mm256_setzero_si256();
    for (int i = 0; i < 4; ++i, line += 256) {
      for (int half = 0; half < 2; ++half) {  // sub-block g = 2i + half: the low nibbles, then the high
        const int g = 2 * i + half;
        const __m256i scale = both_halves(scales.scale(g));
        for (int k = 0; k < 8; ++k) {
          if (half == 0 && k % 2 == 0) prefetch_lines_ahead(line + 32 * k, ahead);
          const __m256i w = load_lines(line + 32 * k);
          const __m256i q = half ? _mm256_and_si256(_mm256_srli_epi16(w, 4), low4) : _mm256_and_si256(w, low4);
          for (int t = 0; t < T; ++t) codes[t][k] = D::add(codes[t][k], q, broadcast4(x[t]->qs + 32 * g + 4 * k), scale);
        }
      }
    }
    for (int t = 0; t < T; ++t) {
      const int32_t* xsum = job.xsum32 + ((t0 + t) * job.supers + s) * 8;
      const __m256 dd = _mm256_mul_ps(d, _mm256_set1_ps(x[t]->d));
      const __m256 ddmin = _mm256_xor_ps(_mm256_mul_ps(dmin, _mm256_set1_ps(x[t]->d)), _mm256_set1_ps(-0.0f));
      for (int l = 0; l < 8; ++l) {
        const __m256i mins = _mm256_mullo_epi32(scales.min(l), _mm256_set1_epi32(xsum[l]));
        scaled[t][l] = _mm256_fmadd_ps(dd, _mm256_cvtepi32_ps(codes[t][l]), scaled[t][l]);
        minsum[t][l] = _mm256_fmadd_ps(ddmin, _mm256_cvtepi32_ps(mins), minsum[t][l]);
      }
    }
  }
  for (int t = 0; t < T; ++t) {
    __m256 v[8];
    for (int l = 0; l < 8; ++l) v[l] = _mm256_add_ps(scaled[t][l], minsum[t][l]);
    for (int l = 0; l < 4; ++l) v[l] = _mm256_add_ps(v[l], v[l + 4]);
    const __m256 sum = _mm256_add_ps(_mm256_add_ps(v[0], v[2]), _mm256_add_ps(v[1], v[3]));
    float* out = y + (t0 + t) * job.rows;
    if (rows == kRows) {
      _mm256_storeu_ps(out, sum);
    } else {
      alignas(32) float lanes[kRows];
      _mm256_store_ps(lanes, sum);
      for (int64_t r = 0; r < rows; ++r) out[r] = lanes[r];
    }
  }
}

// Groups [g0, g1) times all n activation rows, D::kTokens at a time while
// they last, then one (decode's single row is a pass of one).
template <class D>
void multiply_q4_k_with(const Q4KJob& job, int64_t g0, int64_t g1) {
  for (int64_t g = g0; g < g1; ++g) {
    const char* group = reinterpret_cast<const char*>(job.packed + static_cast<size_t>(g) * job.group_stride);
    const int64_t rows = smaller(kRows, job.rows - g * kRows);
    float* yg = job.y + g * kRows;
    int64_t t = 0;
    if constexpr (D::kTokens > 1)
      for (; t + D::kTokens <= job.n; t += D::kTokens) q4_k_group_times_rows<D, D::kTokens>(group, job, t, yg, rows);
    for (; t < job.n; ++t) q4_k_group_times_rows<D, 1>(group, job, t, yg, rows);
  }
}

// The VNNI variants: maddubs's pair sums (≤ 2 · 15 · 127, exact in int16)
// times the scale and added in one vpdpwssd.
template <class Dpwssd, int Tokens>
struct VnniQ4KDot {
  static constexpr int kTokens = Tokens;
  static __m256i add(__m256i acc, __m256i u4, __m256i s8, __m256i scale16) {
    return Dpwssd::apply(acc, _mm256_maddubs_epi16(u4, s8), scale16);
  }
};

}  // namespace
}  // namespace reach::run::row_groups
