#pragma once
// The K-quant row-group kernels, Q2_K to Q6_K (layouts in
// row_groups_layout.h), written once and compiled once per instruction set
// by row_groups_<isa>.cpp. The activation is quantized to Q8_K
// (kernels/q8_k.h); then, as in ggml's AVX2 K-quant dot products, per row
// and token eight lanes l of exact integers per super-block,
//   codes(l) = Σ_g Σ_{k<4} sc(e) · q(e) · x(e),  e = 32g + 4l + k
//       q as stored (unsigned); sc per 32 elements (Q4_K, Q5_K) or 16
//   subs(l) = Σ_{j = 2l, 2l+1} sc_j · Σ_{e in 16-element sub-block j} x(e)
//       (Q3_K, Q6_K: their codes are stored plus an offset, 4 or 32)
//   mins(l) = m_l · Σ_{e in sub-block l} x(e)                          (Q4_K, Q5_K)
//           = Σ_{j = 2l, 2l+1} m_j · Σ_{e in 16-element sub-block j} x(e)   (Q2_K)
//   scaled(l) = fma(d·d_x, float(codes(l) - offset·subs(l)), scaled(l))
//   minsum(l) = fma(-(dmin·d_x), float(mins(l)), minsum(l))            (Q2_K, Q4_K, Q5_K)
// and the row's dot is Σ_l scaled(l) + minsum(l) in the order (l, l+4),
// (0, 2) + (1, 3). The integer lanes are ggml's; keeping this order keeps
// test/e2e's greedy tokens equal to llama.cpp's (one sum per super-block
// and row, tried first for Q4_K, was faster for prefill but parted from
// llama.cpp on one of the 94 comparisons by 0.064 in logits: a flipped
// rounding of the next layer's 8-bit activations grows). Here lane l of a
// row is vector k = l of each sub-block: one accumulator per l.
// Q2_K and Q3_K are the exception: one lane (l = 0 takes every element and
// sub-block) and the dot scaled(0) + minsum(0), which lets their AVX-512
// decode sum codes with vpdpbusd before it applies the scales (its
// comment); test/e2e's 106 comparisons stayed identical with it. A variant
// supplies a policy D:
//   D::add(acc, u8, s8, scale16)    acc + Σ over each lane's four bytes of
//                                   u8·s8 (u8 < 64), times the lane's int16
//                                   scale (exact)
//
// Internal linkage throughout (see row_groups_layout.h).
#include <array>

#include "kernels/row_groups_kernel.h"

namespace reach::run::row_groups {
namespace {

// Activation rows per pass in a prefill, every variant: each weight vector,
// loaded and unpacked once, serves all eight. Q6_K's eight rows keep 64
// integer accumulators, which do not fit in registers (the compiler keeps
// them in L1); Q4_K sums one row's codes at a time in registers. Measured on
// Zen 4 (reach-run bench -p 256, TinyLlama shape, 2 threads, interleaved;
// AVX2 variant, then AVX-512 VNNI), before Q4_K's register order: Q4_K_M
// pp256 67-77 t/s with one row per pass, 89-95 with four, 107 with eight;
// Q6_K 52, 80-88, 89-92; AVX-512 VNNI Q4_K_M 73-85 (two rows), 90-96
// (four), 89-104 (eight). After it, 4 and 8 rows measured the same and 16
// slower (pp512 121 -> 110).
constexpr int kKTokens = 8;

inline __m256i load_lines(const char* p) { return _mm256_load_si256(reinterpret_cast<const __m256i*>(p)); }

// The vpshufb control of 32-bit lane i (0..3) of a 128-bit lane: byte j
// takes the lane's byte at[j] (0..3), or zero where at[j] < 0.
inline int lane_control(const std::array<int, 4>& at, int i) {
  uint32_t control = 0;
  for (int j = 0; j < 4; ++j) control |= (at[j] < 0 ? 0x80u : static_cast<uint32_t>(4 * i + at[j])) << (8 * j);
  return static_cast<int>(control);
}

// Bytes of each row's 32-bit lane rearranged by one vpshufb: byte j of the
// result takes the lane's byte at[j] (0..3), or zero where at[j] < 0.
// Picking a scale this way costs one shuffle (Q6_K's signed ones a shift
// more) where shifts and masks cost up to five. reach-gemv-bench, one
// thread, 5632 x 2048, interleaved: Q4_K 34.2-35.1 -> 35.1-35.3 GB/s, Q6_K
// 28.7-29.5 -> 30.9-31.3.
inline __m256i shuffle_lanes(__m256i v, int b0, int b1, int b2, int b3) {
  const std::array<int, 4> at{b0, b1, b2, b3};
  const auto lane = [&](int i) { return lane_control(at, i); };
  return _mm256_shuffle_epi8(v, _mm256_setr_epi32(lane(0), lane(1), lane(2), lane(3), lane(0), lane(1), lane(2), lane(3)));
}
// Unsigned byte k of each lane as an int32.
inline __m256i byte_as_int32(__m256i v, int k) { return shuffle_lanes(v, k, -1, -1, -1); }
// Unsigned byte k as an int16 in both halves of each lane: what madd pairs
// with maddubs' two int16 pair sums.
inline __m256i byte_in_both_halves(__m256i v, int k) { return shuffle_lanes(v, k, -1, k, -1); }
// Signed bytes a and b as the lane's low and high int16 (each placed in its
// half's high byte, then shifted down with its sign).
inline __m256i signed_bytes_as_int16(__m256i v, int a, int b) {
  return _mm256_srai_epi16(shuffle_lanes(v, -1, a, -1, b), 8);
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
  // Sub-block j's scale as int16 in both halves of each row's lane.
  __m256i scale16(int j) const { return byte_in_both_halves(j < 4 ? scale_low : scale_high, j % 4); }
  __m256i min(int j) const { return byte_as_int32(j < 4 ? min_low : min_high, j % 4); }
};

// A Q4_K super-block's header for the group's eight rows (its two lines
// prefetched like every line): d and dmin, the scales and minimums.
struct Q4KHeader {
  __m256 d, dmin;
  Q4KScales scales;
  Q4KHeader(const char* line, Ahead ahead)
      : d(_mm256_cvtph_ps(_mm_load_si128(reinterpret_cast<const __m128i*>(line)))),
        dmin(_mm256_cvtph_ps(_mm_load_si128(reinterpret_cast<const __m128i*>(line + 16)))),
        scales(line) {
    prefetch_lines_ahead(line, ahead);
    prefetch_lines_ahead(line + 64, ahead);
  }
};

// One activation row's minimums term of a Q4_K or Q5_K super-block:
// minsum(l) = fma(-(dmin·d_x), float(min_l · Σ x over sub-block l), minsum(l)).
inline void add_minimums(const __m256i (&min_of)[8], __m256 dmin, float x_d, const int32_t* xsum,
                         __m256 (&minsum)[8]) {
  const __m256 ddmin = _mm256_xor_ps(_mm256_mul_ps(dmin, _mm256_set1_ps(x_d)), _mm256_set1_ps(-0.0f));
  for (int l = 0; l < 8; ++l) {
    const __m256i mins = _mm256_mullo_epi32(min_of[l], _mm256_set1_epi32(xsum[l]));
    minsum[l] = _mm256_fmadd_ps(ddmin, _mm256_cvtepi32_ps(mins), minsum[l]);
  }
}

// Σ_l scaled(l) + minsum(l) in the order the header gives, for each of T
// activation rows, into y[t * y_stride + r] for the group's `rows` real rows.
template <int T>
void store_lane_sums(const __m256 (&scaled)[T][8], const __m256 (&minsum)[T][8], float* y, int64_t y_stride,
                     int64_t rows) {
  __m256 sum[T];
  for (int t = 0; t < T; ++t) {
    __m256 v[8];
    for (int l = 0; l < 8; ++l) v[l] = _mm256_add_ps(scaled[t][l], minsum[t][l]);
    for (int l = 0; l < 4; ++l) v[l] = _mm256_add_ps(v[l], v[l + 4]);
    sum[t] = _mm256_add_ps(_mm256_add_ps(v[0], v[2]), _mm256_add_ps(v[1], v[3]));
  }
  store_row_sums<T>(sum, y, y_stride, rows);
}

// Bit `from` of each byte moved alone to bit `to` (Q5_K's fifth bit of a
// code, Q3_K's third): one 16-bit shift and a mask (what crosses between
// the two bytes of a 16-bit lane lands outside bit `to` and is masked away).
inline __m256i bit_to(__m256i v, int from, int to) {
  const __m256i moved = from <= to ? _mm256_slli_epi16(v, to - from) : _mm256_srli_epi16(v, from - to);
  return _mm256_and_si256(moved, _mm256_set1_epi8(static_cast<char>(1 << to)));
}

// Q4_K's or Q5_K's eight rows of one group times activation rows
// t0..t0+T-1, into y[(t0 + t) * job.rows + r] for the group's `rows` real
// rows. The two differ only in Q5_K's fifth bit of each code.
template <class D, DType Type, int T>
void q4_q5_k_group_times_rows(const char* line, const KGroupJob& job, int64_t t0, float* y, int64_t rows) {
  constexpr bool kFifthBit = Type == DType::Q5_K;
  const Ahead ahead = job.ahead;
  const __m256i low4 = _mm256_set1_epi8(0x0F);
  __m256 scaled[T][8], minsum[T][8];
  for (int t = 0; t < T; ++t)
    for (int l = 0; l < 8; ++l) scaled[t][l] = minsum[t][l] = _mm256_setzero_ps();
  for (int64_t s = 0; s < job.supers; ++s) {
    const Q4KHeader header(line, ahead);
    const Q4KScales& scales = header.scales;
    line += kQ4KHeaderBytes;
    const char* fifth_bits = line;
    if constexpr (kFifthBit) line += kQ5KFifthBitBytes;
    const BlockQ8K* x[T];
    for (int t = 0; t < T; ++t) x[t] = job.xq + (t0 + t) * job.supers + s;
    // Vector k of every sub-block at once: its eight unpacked weight
    // vectors and scales stay in registers while each activation row's
    // codes(k) is summed and scaled, so no row keeps eight integer
    // accumulators alive across the super-block (with eight rows they were
    // spilled to memory and reloaded for every multiply-add). The integer
    // sums are exact, so their order does not change a bit.
    __m256i scale16[8];
    for (int g = 0; g < 8; ++g) scale16[g] = scales.scale16(g);
    __m256 dd[T];
    for (int t = 0; t < T; ++t) dd[t] = _mm256_mul_ps(header.d, _mm256_set1_ps(x[t]->d));
    for (int k = 0; k < 8; ++k) {
      __m256i q[8];  // sub-block g = 2i + half: vector k of line i, its low nibbles, then its high
      for (int i = 0; i < 4; ++i) {
        if (k % 2 == 0) prefetch_lines_ahead(line + 256 * i + 32 * k, ahead);
        const __m256i w = load_lines(line + 256 * i + 32 * k);
        q[2 * i] = _mm256_and_si256(w, low4);
        q[2 * i + 1] = _mm256_and_si256(_mm256_srli_epi16(w, 4), low4);
      }
      if constexpr (kFifthBit) {
        if (k % 2 == 0) prefetch_lines_ahead(fifth_bits + 32 * k, ahead);
        const __m256i qh = load_lines(fifth_bits + 32 * k);
        for (int g = 0; g < 8; ++g) q[g] = _mm256_or_si256(q[g], bit_to(qh, g, 4));
      }
      for (int t = 0; t < T; ++t) {
        __m256i even = _mm256_setzero_si256(), odd = _mm256_setzero_si256();  // two chains of dependent adds, not one
        for (int g = 0; g < 8; g += 2) {
          even = D::add(even, q[g], broadcast4(x[t]->qs + 32 * g + 4 * k), scale16[g]);
          odd = D::add(odd, q[g + 1], broadcast4(x[t]->qs + 32 * (g + 1) + 4 * k), scale16[g + 1]);
        }
        const __m256i codes = _mm256_add_epi32(even, odd);
        scaled[t][k] = _mm256_fmadd_ps(dd[t], _mm256_cvtepi32_ps(codes), scaled[t][k]);
      }
    }
    line += 1024;
    __m256i min_of[8];  // the rows' minimums, unpacked once for all T activation rows
    for (int l = 0; l < 8; ++l) min_of[l] = scales.min(l);
    for (int t = 0; t < T; ++t)
      add_minimums(min_of, header.dmin, x[t]->d, job.xsum32 + ((t0 + t) * job.supers + s) * 8, minsum[t]);
  }
  store_lane_sums<T>(scaled, minsum, y + t0 * job.rows, job.rows, rows);
}

inline __m256i load_unaligned(const char* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }

// Sixteen 8-bit scales (or minimums) per super-block of the eight rows, one
// per 16 elements: vector q holds numbers 4q..4q+3 of row r in lane r.
// Q6_K's and Q3_K's are signed; Q2_K's, 0..15, come out the same through
// the sign extension.
struct Scales16 {
  __m256i four[4];
  // Number j as int16 in both halves of each lane.
  __m256i scale16(int j) const { return signed_bytes_as_int16(four[j / 4], j % 4, j % 4); }
  // Numbers 2l and 2l + 1 as each lane's low and high int16.
  __m256i pair16(int l) const { return signed_bytes_as_int16(four[l / 2], 2 * (l % 2), 2 * (l % 2) + 1); }
};

// Q6_K's, stored as they are used (row_groups_layout.h).
inline Scales16 q6_k_scales(const char* header) {
  Scales16 sc;
  for (int q = 0; q < 4; ++q) sc.four[q] = load_unaligned(header + 16 + 32 * q);
  return sc;
}

// Q3_K's from each row's 12 packed bytes (three words in a row's lane), less
// 32: the nibbles and 2-bit pairs moved as ggml's dequantize_row_q3_K does,
// the eight rows at once. Written in place: a copied Scales16 was stored in
// 16-byte halves and loaded whole, which the CPU cannot forward from its
// store buffer (AVX2 decode, two rounds: the Q2_K file 58-68 -> 62-74 t/s,
// Q3_K_M 55-58 -> 58-59).
inline void q3_k_scales(const char* header, Scales16& out) {
  const __m256i w0 = load_unaligned(header + 16), w1 = load_unaligned(header + 48), w2 = load_unaligned(header + 80);
  const __m256i low4 = _mm256_set1_epi8(0x0F), low2 = _mm256_set1_epi8(0x03), bias = _mm256_set1_epi8(32);
  const auto top = [&](int shift) {  // bits shift, shift + 1 of w2's bytes at bits 4, 5
    return _mm256_slli_epi32(_mm256_and_si256(_mm256_srli_epi32(w2, shift), low2), 4);
  };
  const auto scales = [&](__m256i nibbles, int shift) {
    return _mm256_sub_epi8(_mm256_or_si256(_mm256_and_si256(nibbles, low4), top(shift)), bias);
  };
  out.four[0] = scales(w0, 0);
  out.four[1] = scales(w1, 2);
  out.four[2] = scales(_mm256_srli_epi32(w0, 4), 4);
  out.four[3] = scales(_mm256_srli_epi32(w1, 4), 6);
}

// Q2_K's scales (the bytes' low nibbles) and minimums (their high ones),
// written in place as Q3_K's.
inline void q2_k_scales(const char* header, Scales16& scales, Scales16& mins) {
  const __m256i low4 = _mm256_set1_epi8(0x0F);
  for (int q = 0; q < 4; ++q) {
    const __m256i bytes = load_unaligned(header + 32 + 32 * q);
    scales.four[q] = _mm256_and_si256(bytes, low4);
    mins.four[q] = _mm256_and_si256(_mm256_srli_epi16(bytes, 4), low4);
  }
}

// Bits 2·part and 2·part + 1 of each byte of Q6_K's qh moved to bits 4 and 5
// (where the code's top two bits go; the caller masks the rest away).
inline __m256i high_bits_at_4(__m256i qh, int part) {
  switch (part) {
    case 0: return _mm256_slli_epi16(qh, 4);
    case 1: return _mm256_slli_epi16(qh, 2);
    case 2: return qh;
    default: return _mm256_srli_epi16(qh, 2);
  }
}

// Q6_K's eight rows of one group times activation rows t0..t0+T-1.
template <class D, int T>
void q6_k_group_times_rows(const char* line, const KGroupJob& job, int64_t t0, float* y, int64_t rows) {
  const Ahead ahead = job.ahead;
  const __m256i low4 = _mm256_set1_epi8(0x0F), bits45 = _mm256_set1_epi8(0x30);
  __m256 scaled[T][8], minsum[T][8];  // Q6_K has no minimums: minsum stays +0, as in the row dot
  for (int t = 0; t < T; ++t)
    for (int l = 0; l < 8; ++l) scaled[t][l] = minsum[t][l] = _mm256_setzero_ps();
  for (int64_t s = 0; s < job.supers; ++s) {
    for (int at = 0; at < kQ6KHeaderBytes; at += 64) prefetch_lines_ahead(line + at, ahead);
    const __m256 d = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(line)));
    const Scales16 sc = q6_k_scales(line);
    __m256i scale16[16];
    for (int j = 0; j < 16; ++j) scale16[j] = sc.scale16(j);
    line += kQ6KHeaderBytes;
    const BlockQ8K* x[T];
    for (int t = 0; t < T; ++t) x[t] = job.xq + (t0 + t) * job.supers + s;
    __m256i codes[T][8];
    for (int t = 0; t < T; ++t)
      for (int l = 0; l < 8; ++l) codes[t][l] = _mm256_setzero_si256();
    for (int h = 0; h < 2; ++h) {
      for (int k = 0; k < 8; ++k, line += 96) {
        prefetch_lines_ahead(line, ahead);
        prefetch_lines_ahead(line + 64, ahead);
        const __m256i a = load_unaligned(line), c = load_unaligned(line + 32), high = load_unaligned(line + 64);
        for (int part = 0; part < 4; ++part) {  // sub-block g = 4h + part of 32 elements
          const int g = 4 * h + part;
          const __m256i low_bits = part % 2 ? c : a;
          const __m256i nibble = part < 2 ? _mm256_and_si256(low_bits, low4)
                                          : _mm256_and_si256(_mm256_srli_epi16(low_bits, 4), low4);
          const __m256i top = _mm256_and_si256(high_bits_at_4(high, part), bits45);
          const __m256i q = _mm256_or_si256(nibble, top);
          const __m256i scale = scale16[2 * g + k / 4];
          for (int t = 0; t < T; ++t) codes[t][k] = D::add(codes[t][k], q, broadcast4(x[t]->qs + 32 * g + 4 * k), scale);
        }
      }
    }
    for (int t = 0; t < T; ++t) {
      const __m256 dd = _mm256_mul_ps(d, _mm256_set1_ps(x[t]->d));
      for (int l = 0; l < 8; ++l) {
        // sc_2l · bsums_2l + sc_2l+1 · bsums_2l+1 in one madd (the two sums are
        // adjacent int16s, |bsums| ≤ 16 · 127)
        const __m256i subs = _mm256_madd_epi16(sc.pair16(l), broadcast4(reinterpret_cast<const int8_t*>(x[t]->bsums + 2 * l)));
        const __m256i offset_codes = _mm256_sub_epi32(codes[t][l], _mm256_slli_epi32(subs, 5));  // - 32·subs
        scaled[t][l] = _mm256_fmadd_ps(dd, _mm256_cvtepi32_ps(offset_codes), scaled[t][l]);
      }
    }
  }
  store_lane_sums<T>(scaled, minsum, y + t0 * job.rows, job.rows, rows);
}

// Bits 2s and 2s + 1 of each byte: the low two bits of sub-block 4h + s's
// codes in a unit's qs vector h (Q2_K, Q3_K).
inline __m256i two_bits(__m256i qs, int s) { return _mm256_and_si256(_mm256_srli_epi16(qs, 2 * s), _mm256_set1_epi8(3)); }

// Field f's 32-byte vector of vector k of a Q2_K/Q3_K super-block's units
// (f: Q3_K's third bits, then the two qs vectors) with rows 0..7 in lanes
// 0..7, one unit per vector or (kPaired) paired (row_groups_layout.h): then
// vector 2p's rows are the even lanes of the two halves of the pair's
// 64-byte vector, 2p + 1's the odd ones, one vshufps.
template <bool kPaired, int64_t kUnitBytes>
inline __m256i unit_vector(const char* units, int k, int f) {
  if constexpr (!kPaired) return load_unaligned(units + kUnitBytes * k + 32 * f);
  const char* at = units + 2 * kUnitBytes * (k / 2) + 64 * f;
  const __m256 low = _mm256_castsi256_ps(load_unaligned(at)), high = _mm256_castsi256_ps(load_unaligned(at + 32));
  return _mm256_castps_si256(k % 2 ? _mm256_shuffle_ps(low, high, 0xDD) : _mm256_shuffle_ps(low, high, 0x88));
}

// A Q2_K or Q3_K super-block's header for the group's eight rows (its lines
// prefetched like every line): d, the scales and (Q2_K) dmin and the
// minimums; and the sizes of the header and of a unit (row_groups_layout.h).
template <DType Type>
struct LowBitsHeader {
  static constexpr bool kQ3 = Type == DType::Q3_K;
  static constexpr int64_t kBytes = kQ3 ? kQ3KHeaderBytes : kQ2KHeaderBytes;
  static constexpr int64_t kUnitBytes = kQ3 ? 96 : 64;
  __m256 d, dmin = _mm256_setzero_ps();
  Scales16 scales, mins{};
  LowBitsHeader(const char* line, Ahead ahead)
      : d(_mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(line)))) {
    for (int at = 0; at < kBytes; at += 64) prefetch_lines_ahead(line + at, ahead);
    if constexpr (kQ3) {
      q3_k_scales(line, scales);
    } else {
      dmin = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(line + 16)));
      q2_k_scales(line, scales, mins);
    }
  }
};

// Q2_K's or Q3_K's eight rows of one group times activation rows
// t0..t0+T-1. As the Q4_K kernel, vector k of every sub-block at once (one
// unit); the scales are per 16 elements as Q6_K's: vector k of sub-block g
// takes scale 2g + k/4. Q3_K's codes are stored plus 4 (offset 4·subs, as
// Q6_K's 32); Q2_K's minimums are per 16 elements. Unlike the other
// K-quants, a row's whole super-block is one integer lane (the header's
// definition with l = 0 only): codes, subs and mins summed over all 256
// elements, then one float step each. kPaired: the units' order
// (row_groups_layout.h).
template <class D, DType Type, int T, bool kPaired>
void q2_q3_k_group_times_rows(const char* line, const KGroupJob& job, int64_t t0, float* y, int64_t rows) {
  using Header = LowBitsHeader<Type>;
  const Ahead ahead = job.ahead;
  __m256 scaled[T], minsum[T];  // Q3_K has no minimums: minsum stays +0
  for (int t = 0; t < T; ++t) scaled[t] = minsum[t] = _mm256_setzero_ps();
  for (int64_t s = 0; s < job.supers; ++s) {
    const Header header(line, ahead);
    line += Header::kBytes;
    const BlockQ8K* x[T];
    __m256i codes[T], mins[T];  // codes less Q3_K's offset; Q2_K's minimums
    for (int t = 0; t < T; ++t) {
      x[t] = job.xq + (t0 + t) * job.supers + s;
      codes[t] = mins[t] = _mm256_setzero_si256();
    }
    __m256i scale16[16];
    for (int j = 0; j < 16; ++j) scale16[j] = header.scales.scale16(j);
    const auto unit = [line](int k, int f) { return unit_vector<kPaired, Header::kUnitBytes>(line, k, f); };
    // Unrolled on purpose: with k a run-time index GCC built pair16(k)'s
    // shuffle control at run time (AVX2 decode of the Q2_K file 51 t/s, the
    // per-row dot it replaced 64).
#pragma GCC unroll 8
    for (int k = 0; k < 8; ++k) {
      for (int at = 0; at < Header::kUnitBytes; at += 64) prefetch_lines_ahead(line + Header::kUnitBytes * k + at, ahead);
      const int first = Header::kQ3 ? 1 : 0;  // the first qs vector's field
      const __m256i low[2] = {unit(k, first), unit(k, first + 1)};
      __m256i q[8];
      for (int g = 0; g < 8; ++g) q[g] = two_bits(low[g / 4], g % 4);
      if constexpr (Header::kQ3) {
        const __m256i third = unit(k, 0);
        for (int g = 0; g < 8; ++g) q[g] = _mm256_or_si256(q[g], bit_to(third, kQ3KThirdBitAt[g], 2));
      }
      for (int t = 0; t < T; ++t) {
        __m256i even = codes[t], odd = _mm256_setzero_si256();
        for (int g = 0; g < 8; g += 2) {
          even = D::add(even, q[g], broadcast4(x[t]->qs + 32 * g + 4 * k), scale16[2 * g + k / 4]);
          odd = D::add(odd, q[g + 1], broadcast4(x[t]->qs + 32 * (g + 1) + 4 * k), scale16[2 * (g + 1) + k / 4]);
        }
        codes[t] = _mm256_add_epi32(even, odd);
        const __m256i bsums = broadcast4(reinterpret_cast<const int8_t*>(x[t]->bsums + 2 * k));  // sub-blocks 2k, 2k + 1
        if constexpr (Header::kQ3)
          codes[t] = _mm256_sub_epi32(codes[t], _mm256_slli_epi32(_mm256_madd_epi16(header.scales.pair16(k), bsums), 2));
        else
          mins[t] = _mm256_add_epi32(mins[t], _mm256_madd_epi16(header.mins.pair16(k), bsums));
      }
    }
    line += 8 * Header::kUnitBytes;
    for (int t = 0; t < T; ++t) {
      const __m256 x_d = _mm256_set1_ps(x[t]->d);
      scaled[t] = _mm256_fmadd_ps(_mm256_mul_ps(header.d, x_d), _mm256_cvtepi32_ps(codes[t]), scaled[t]);
      if constexpr (!Header::kQ3) {
        const __m256 ddmin = _mm256_xor_ps(_mm256_mul_ps(header.dmin, x_d), _mm256_set1_ps(-0.0f));
        minsum[t] = _mm256_fmadd_ps(ddmin, _mm256_cvtepi32_ps(mins[t]), minsum[t]);
      }
    }
  }
  __m256 sum[T];
  for (int t = 0; t < T; ++t) sum[t] = _mm256_add_ps(scaled[t], minsum[t]);
  store_row_sums<T>(sum, y + t0 * job.rows, job.rows, rows);
}

// Activation rows per block in a prefill: every group of the job's share
// runs over one block before the next, so the block's quantized rows (up
// to 64 · 6.4 KB for the FFN's 5632 columns) stay in L2 while the weights
// stream past, instead of every group reading all n rows again from L3.
constexpr int64_t kKTokenBlock = 64;

// Groups [g0, g1) times all n activation rows, a block of rows at a time
// and kKTokens of its rows per pass while they last, then one (decode's
// single row is a pass of one).
template <void (*pass1)(const char*, const KGroupJob&, int64_t, float*, int64_t),
          void (*pass)(const char*, const KGroupJob&, int64_t, float*, int64_t)>
void multiply_k_type(const KGroupJob& job, int64_t g0, int64_t g1) {
  for (int64_t t0 = 0; t0 < job.n; t0 += kKTokenBlock) {
    const int64_t t1 = smaller(job.n, t0 + kKTokenBlock);
    for (int64_t g = g0; g < g1; ++g) {
      const char* group = group_start(job, g);
      const int64_t rows = smaller(kRows, job.rows - g * kRows);
      float* yg = job.y + g * kRows;
      int64_t t = t0;
      for (; t + kKTokens <= t1; t += kKTokens) pass(group, job, t, yg, rows);
      for (; t < t1; ++t) pass1(group, job, t, yg, rows);
    }
  }
}

// Type's kernel for T activation rows at a time (kPaired: Q2_K's and Q3_K's
// units' order, row_groups_layout.h).
template <class D, DType Type, int T, bool kPaired>
void group_times_rows(const char* line, const KGroupJob& job, int64_t t0, float* y, int64_t rows) {
  if constexpr (Type == DType::Q2_K || Type == DType::Q3_K)
    q2_q3_k_group_times_rows<D, Type, T, kPaired>(line, job, t0, y, rows);
  else if constexpr (Type == DType::Q4_K || Type == DType::Q5_K)
    q4_q5_k_group_times_rows<D, Type, T>(line, job, t0, y, rows);
  else
    q6_k_group_times_rows<D, T>(line, job, t0, y, rows);
}

template <class D, DType Type, bool kPaired>
void multiply_k_of(const KGroupJob& job, int64_t g0, int64_t g1) {
  multiply_k_type<group_times_rows<D, Type, 1, kPaired>, group_times_rows<D, Type, kKTokens, kPaired>>(job, g0, g1);
}

// kPaired: whether the matrices were packed with k_units_paired (the
// AVX-512 variant's); no default, so each variant states its packing.
template <class D, bool kPaired>
void multiply_k_with(const KGroupJob& job, int64_t g0, int64_t g1) {
  switch (job.type) {
    case DType::Q2_K: return multiply_k_of<D, DType::Q2_K, kPaired>(job, g0, g1);
    case DType::Q3_K: return multiply_k_of<D, DType::Q3_K, kPaired>(job, g0, g1);
    case DType::Q4_K: return multiply_k_of<D, DType::Q4_K, kPaired>(job, g0, g1);
    case DType::Q5_K: return multiply_k_of<D, DType::Q5_K, kPaired>(job, g0, g1);
    default: return multiply_k_of<D, DType::Q6_K, kPaired>(job, g0, g1);
  }
}

// The VNNI variants: maddubs's pair sums (≤ 2 · 63 · 127, exact in int16)
// times the scale and added in one vpdpwssd.
template <class Dpwssd>
struct VnniKDot {
  static __m256i add(__m256i acc, __m256i u8, __m256i s8, __m256i scale16) {
    return Dpwssd::apply(acc, _mm256_maddubs_epi16(u8, s8), scale16);
  }
};

}  // namespace
}  // namespace reach::run::row_groups
