// The row-group kernels with AVX-512 VNNI (row_groups_kernel.h,
// row_groups_k_kernel.h). Decode (one activation row) reads one group at a
// time, one stream per thread: Q4_0, Q8_0, Q4_K and Q5_K a whole 64-byte
// line per 512-bit instruction, Q6_K two of its 96-byte units side by side
// (below). Batches run two neighbouring groups at once in 512-bit vectors,
// rows 8g..8g+15 in the sixteen lanes (Q4_0, Q8_0, Q4_K and Q5_K): each multiply-add
// instruction then serves twice the rows, and the per-block work around it
// (the activation's broadcast scale and correction, the float step) is
// shared by them. Eight activation rows per pass. Same integer sums, same
// float steps in the same order: the same bits as every other variant.
#include "kernels/row_groups_k_kernel.h"

namespace reach::run::row_groups {
namespace {

// How this variant's matrices are packed: Q2_K's and Q3_K's units in pairs.
constexpr bool kUnitsPaired = k_units_paired(Isa::avx512_vnni);
static_assert(kUnitsPaired, "the Q2_K/Q3_K decode below loads paired units");

struct Avx512Dpbusd {
  static __m256i apply(__m256i acc, __m256i u8, __m256i s8) { return _mm256_dpbusd_epi32(acc, u8, s8); }
};

struct Avx512Dpwssd {
  static __m256i apply(__m256i acc, __m256i a16, __m256i b16) { return _mm256_dpwssd_epi32(acc, a16, b16); }
};

struct Avx512Vnni : VnniDots<Avx512Dpbusd> {
  static constexpr int kTokens = 8;
};

inline __m512i broadcast4_512(const int8_t* q) {
  int32_t v;
  std::memcpy(&v, q, 4);
  return _mm512_set1_epi32(v);
}

// Eight bytes (two 32-bit lanes' worth) in every 64-bit lane.
inline __m512i broadcast8_512(const void* p) {
  int64_t v;
  std::memcpy(&v, p, 8);
  return _mm512_set1_epi64(v);
}

// Vector v of a block in group a's lanes 0-7 and group b's lanes 8-15.
inline __m512i pair_vector(const char* a, const char* b, int v) {
  const __m256i low = _mm256_load_si256(reinterpret_cast<const __m256i*>(a) + v);
  return _mm512_inserti64x4(_mm512_castsi256_si512(low), _mm256_load_si256(reinterpret_cast<const __m256i*>(b) + v), 1);
}

// Groups a and b = a + 1 (16 rows, `rows` of them real) times activation
// rows t0..t0+T-1, into y[(t0 + t) * job.rows + r] with y at a's first row.
template <DType Type, int T>
void pair_times_rows(const char* a, const char* b, const GroupJob& job, int64_t t0, float* y, int64_t rows) {
  constexpr int64_t kQuantBytes = quant_bytes(Type);
  constexpr int kVectors = static_cast<int>(kQuantBytes / 32);
  constexpr int32_t kOffset = Avx512Vnni::offset(Type);
  const __m512i low4 = _mm512_set1_epi8(0x0F), sign = _mm512_set1_epi8(static_cast<char>(0x80));
  const int64_t blocks = job.blocks;
  const Ahead ahead = job.ahead;
  const __mmask16 real = static_cast<__mmask16>((1u << rows) - 1);
  __m512 acc[T];
  for (int t = 0; t < T; ++t) acc[t] = job.carry ? _mm512_maskz_loadu_ps(real, y + (t0 + t) * job.rows) : _mm512_setzero_ps();
  for (int64_t b0 = 0; b0 < blocks; b0 += kSuperblock) {
    const int64_t here = smaller(kSuperblock, blocks - b0);
    const auto* scales_a = reinterpret_cast<const __m128i*>(a);
    const auto* scales_b = reinterpret_cast<const __m128i*>(b);
    prefetch_lines_ahead(a, ahead);
    prefetch_lines_ahead(b, ahead);
    a += 64;
    b += 64;
    for (int64_t j = 0; j < here; ++j, a += kQuantBytes, b += kQuantBytes) {
      const int64_t blk = b0 + j;
      const int8_t* xq[T];
      __m512i dot[T];
      for (int t = 0; t < T; ++t) {
        const int64_t i = (t0 + t) * job.x_stride + blk;
        xq[t] = job.xq[i].q;
        dot[t] = _mm512_set1_epi32(-kOffset * job.xsum[i]);  // the offsets' correction, added first
      }
      for (int v = 0; v < kVectors; ++v) {
        if (v % 2 == 0) {
          prefetch_lines_ahead(a + 32 * v, ahead);
          prefetch_lines_ahead(b + 32 * v, ahead);
        }
        const __m512i w = pair_vector(a, b, v);
        if constexpr (Type == DType::Q4_0) {
          const __m512i lo = _mm512_and_si512(w, low4);
          const __m512i hi = _mm512_and_si512(_mm512_srli_epi16(w, 4), low4);
          for (int t = 0; t < T; ++t) {
            dot[t] = _mm512_dpbusd_epi32(dot[t], lo, broadcast4_512(xq[t] + 4 * v));
            dot[t] = _mm512_dpbusd_epi32(dot[t], hi, broadcast4_512(xq[t] + 16 + 4 * v));
          }
        } else {
          const __m512i w_unsigned = _mm512_xor_si512(w, sign);
          for (int t = 0; t < T; ++t) dot[t] = _mm512_dpbusd_epi32(dot[t], w_unsigned, broadcast4_512(xq[t] + 4 * v));
        }
      }
      const __m256i halves = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_load_si128(scales_a + j)),
                                                     _mm_load_si128(scales_b + j), 1);
      const __m512 d_w = _mm512_cvtph_ps(halves);
      for (int t = 0; t < T; ++t) {
        const __m512 d = _mm512_mul_ps(d_w, _mm512_set1_ps(job.xd[(t0 + t) * job.x_stride + blk]));
        acc[t] = _mm512_fmadd_ps(d, _mm512_cvtepi32_ps(dot[t]), acc[t]);
      }
    }
  }
  for (int t = 0; t < T; ++t) _mm512_mask_storeu_ps(y + (t0 + t) * job.rows, real, acc[t]);
}

template <DType Type>
void multiply_pairs(const GroupJob& job, int64_t g0, int64_t g1) {
  int64_t g = g0;
  for (; g + 1 < g1; g += 2) {
    const char* a = group_start(job, g);
    const char* b = a + job.group_stride;
    const int64_t rows = smaller(2 * kRows, job.rows - g * kRows);
    float* y = job.y + g * kRows;
    int64_t t = 0;
    for (; t + 8 <= job.n; t += 8) pair_times_rows<Type, 8>(a, b, job, t, y, rows);
    for (; t + 4 <= job.n; t += 4) pair_times_rows<Type, 4>(a, b, job, t, y, rows);
    for (; t < job.n; ++t) pair_times_rows<Type, 1>(a, b, job, t, y, rows);
  }
  if (g < g1) multiply_type<Avx512Vnni, Type>(job, g, g1);
}

// ---- decode: one group, a whole line per instruction ------------------------
//
// Decode reads one group at a time, one memory stream per thread (two
// groups at once, as above, are two streams: from memory that measured
// slower). Eight rows fill only 256 bits, so here a 512-bit vector takes a
// whole 64-byte line, two of the block's quant vectors, whose activation
// quants differ: vpermd picks each half's four from the block's 32 held in
// one register. The halves' exact integer sums are added before the float
// step, which is the shared kernel's: the same bits.

inline __m512i halves_index(int low, int high) {
  return _mm512_inserti64x4(_mm512_set1_epi32(low), _mm256_set1_epi32(high), 1);
}

template <DType Type>
void group_times_row_by_lines(const char* line, const GroupJob& job, float* y, int64_t rows) {
  constexpr int kLines = static_cast<int>(quant_bytes(Type) / 64);
  constexpr int32_t kOffset = Avx512Vnni::offset(Type);
  const __m512i low4 = _mm512_set1_epi8(0x0F), sign = _mm512_set1_epi8(static_cast<char>(0x80));
  const Ahead ahead = job.ahead;
  const __mmask8 real = static_cast<__mmask8>((1u << rows) - 1);
  __m256 acc = job.carry ? _mm256_maskz_loadu_ps(real, y) : _mm256_setzero_ps();
  for (int64_t b0 = 0; b0 < job.blocks; b0 += kSuperblock) {
    const int64_t here = smaller(kSuperblock, job.blocks - b0);
    const auto* scales = reinterpret_cast<const __m128i*>(line);
    prefetch_lines_ahead(line, ahead);
    line += 64;
    // The superblock's integer sums first, then its float steps: the one
    // float chain (acc) then waits on a superblock's lines once, not after
    // each block's. Zen 5, from memory, 2 threads: reach-gemv-bench Q4_0
    // 5632 x 2048 against Q4_K in the same run (sixteen interleaved runs)
    // 0.80-0.84 -> 0.89-0.90; decode (reach-run bench --roofline, three
    // interleaved pairs) Q4_0 42.6-45.1 -> 46.4-49.1 GB/s, share of the
    // read beside it 76-83 -> 78-83%, Q8_0 86-93 -> 92-95%.
    __m256i sums[kSuperblock];
#pragma GCC unroll 4
    for (int64_t j = 0; j < kSuperblock; ++j) {
      if (j >= here) break;
      const int64_t b = b0 + j;
      const __m512i x = _mm512_castsi256_si512(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(job.xq[b].q)));
      // Q4_0's low and high nibbles in two accumulators: two dependency
      // chains of two instead of one of four (Zen 5, the decode's share of
      // the read beside it, 13 interleaved pairs: +2.3 points, 10 of 13;
      // Q8_0's four lines in two chains measured no better).
      __m512i dot = _mm512_setzero_si512(), high = _mm512_setzero_si512();
      for (int l = 0; l < kLines; ++l, line += 64) {  // quant vectors 2l and 2l + 1
        prefetch_lines_ahead(line, ahead);
        const __m512i w = _mm512_loadu_si512(line);
        if constexpr (Type == DType::Q4_0) {  // low nibbles: elements 4v.., high ones 16 + 4v..
          dot = _mm512_dpbusd_epi32(dot, _mm512_and_si512(w, low4),
                                    _mm512_permutexvar_epi32(halves_index(2 * l, 2 * l + 1), x));
          high = _mm512_dpbusd_epi32(high, _mm512_and_si512(_mm512_srli_epi16(w, 4), low4),
                                     _mm512_permutexvar_epi32(halves_index(4 + 2 * l, 5 + 2 * l), x));
        } else {
          dot = _mm512_dpbusd_epi32(dot, _mm512_xor_si512(w, sign), _mm512_permutexvar_epi32(halves_index(2 * l, 2 * l + 1), x));
        }
      }
      if constexpr (Type == DType::Q4_0) dot = _mm512_add_epi32(dot, high);
      sums[j] = _mm256_add_epi32(_mm512_castsi512_si256(dot), _mm512_extracti64x4_epi64(dot, 1));
    }
#pragma GCC unroll 4
    for (int64_t j = 0; j < kSuperblock; ++j) {
      if (j >= here) break;
      const int64_t b = b0 + j;
      const __m256i sum = _mm256_sub_epi32(sums[j], _mm256_set1_epi32(kOffset * job.xsum[b]));
      const __m256 d_w = _mm256_cvtph_ps(_mm_load_si128(scales + j));
      acc = _mm256_fmadd_ps(_mm256_mul_ps(d_w, _mm256_set1_ps(job.xd[b])), _mm256_cvtepi32_ps(sum), acc);
    }
  }
  _mm256_mask_storeu_ps(y, real, acc);
}

// Decode of groups [g0, g1): Kernel(group, job, y, rows) on one group at a
// time (one stream); a template argument, so that it is inlined.
template <auto Kernel, class Job>
void decode_each_group(const Job& job, int64_t g0, int64_t g1) {
  for (int64_t g = g0; g < g1; ++g)
    Kernel(group_start(job, g), job, job.y + g * kRows, smaller(kRows, job.rows - g * kRows));
}

// ---- Q4_K and Q5_K in pairs of groups (prefill) -----------------------------
//
// The shared Q4_K/Q5_K kernel (row_groups_k_kernel.h) on two neighbouring groups
// at once, rows 8g..8g+15 in the sixteen lanes of 512-bit vectors: the same
// integer sums and float steps per lane, so the same bits, with half the
// instructions per row (on Zen 5 a 512-bit vpdpwssd costs what a 256-bit one
// does). Each group's scales are unpacked by the shared code and the two
// halves joined.

inline __m512i join(__m256i low, __m256i high) { return _mm512_inserti64x4(_mm512_castsi256_si512(low), high, 1); }

inline __m512 join_ps(__m256 low, __m256 high) {
  return _mm512_castpd_ps(_mm512_insertf64x4(_mm512_castpd256_pd512(_mm256_castps_pd(low)), _mm256_castps_pd(high), 1));
}

// shuffle_lanes (row_groups_k_kernel.h) in 512 bits, with its own bytes
// for even and odd 32-bit lanes: lane i takes bytes even[] (i even) or
// odd[] (i odd) of itself (-1: zero).
inline __m512i shuffle_alternate_lanes(__m512i v, const std::array<int, 4>& even, const std::array<int, 4>& odd) {
  const int e0 = lane_control(even, 0), o1 = lane_control(odd, 1), e2 = lane_control(even, 2), o3 = lane_control(odd, 3);
  return _mm512_shuffle_epi8(v, _mm512_setr_epi32(e0, o1, e2, o3, e0, o1, e2, o3, e0, o1, e2, o3, e0, o1, e2, o3));
}

// Row r's 32-bit lane of a 256-bit vector in lanes 2i and 2i + 1 of a
// 512-bit one, i = kPairLaneOfRow[r]: the rows' places in a Q2_K/Q3_K pair
// of units (row_groups_layout.h), which the interleaved decode below loads.
inline __m512i rows_doubled(__m256i v) {
  return _mm512_permutexvar_epi32(_mm512_setr_epi32(0, 0, 1, 1, 4, 4, 5, 5, 2, 2, 3, 3, 6, 6, 7, 7),
                                  _mm512_castsi256_si512(v));
}
inline __m512 rows_doubled_ps(__m256 v) { return _mm512_castsi512_ps(rows_doubled(_mm256_castps_si256(v))); }

// A group's Scales16 (row_groups_k_kernel.h) with row r in lanes 2r and
// 2r + 1, made once a super-block: then a scale, or the pairs of two
// neighbouring vectors, is one shuffle (signed numbers a shift more).
template <bool Signed>
struct Scales16x2 {
  __m512i four[4];
  explicit Scales16x2(const Scales16& scales) {
    for (int q = 0; q < 4; ++q) four[q] = rows_doubled(scales.four[q]);
  }
  // Numbers 2g + h and 2g + 2 + h (g even) as each lane's int16 pair: the
  // scales of sub-blocks g and g + 1 of 32 in half h.
  __m512i scales_of_pair(int g, int h) const {
    if constexpr (Signed) return _mm512_srai_epi16(shuffle_alternate_lanes(four[g / 2], {-1, h, -1, 2 + h}, {-1, h, -1, 2 + h}), 8);
    else return shuffle_alternate_lanes(four[g / 2], {h, -1, 2 + h, -1}, {h, -1, 2 + h, -1});
  }
  // Numbers 4kp and 4kp + 1 as the even lanes' int16 pair, 4kp + 2 and
  // 4kp + 3 as the odd lanes': Scales16::pair16(2kp) and (2kp + 1).
  __m512i pairs16(int kp) const {
    if constexpr (Signed) return _mm512_srai_epi16(shuffle_alternate_lanes(four[kp], {-1, 0, -1, 1}, {-1, 2, -1, 3}), 8);
    else return shuffle_alternate_lanes(four[kp], {0, -1, 1, -1}, {2, -1, 3, -1});
  }
};

// bit_to (row_groups_k_kernel.h) in 512 bits.
inline __m512i bit_to_512(__m512i v, int from, int to) {
  const __m512i moved = from <= to ? _mm512_slli_epi16(v, to - from) : _mm512_srli_epi16(v, from - to);
  return _mm512_and_si512(moved, _mm512_set1_epi8(static_cast<char>(1 << to)));
}

// Groups a and b = a + 1 (`rows` real rows of 16) of Q4_K or Q5_K times
// activation rows t0..t0+T-1, into y[(t0 + t) * job.rows + r] with y at a's
// first row.
template <DType Type, int T>
void q4_q5_k_pair_times_rows(const char* a, const char* b, const KGroupJob& job, int64_t t0, float* y, int64_t rows) {
  constexpr bool kFifthBit = Type == DType::Q5_K;
  const Ahead ahead = job.ahead;
  const __m512i low4 = _mm512_set1_epi8(0x0F);
  __m512 scaled[T][8], minsum[T][8];
  for (int t = 0; t < T; ++t)
    for (int l = 0; l < 8; ++l) scaled[t][l] = minsum[t][l] = _mm512_setzero_ps();
  for (int64_t s = 0; s < job.supers; ++s) {
    const Q4KHeader header_a(a, ahead), header_b(b, ahead);
    const Q4KScales &scales_a = header_a.scales, &scales_b = header_b.scales;
    const __m512 d = join_ps(header_a.d, header_b.d), dmin = join_ps(header_a.dmin, header_b.dmin);
    a += kQ4KHeaderBytes;
    b += kQ4KHeaderBytes;
    const char *fifth_a = a, *fifth_b = b;
    if constexpr (kFifthBit) {
      a += kQ5KFifthBitBytes;
      b += kQ5KFifthBitBytes;
    }
    const BlockQ8K* x[T];
    for (int t = 0; t < T; ++t) x[t] = job.xq + (t0 + t) * job.supers + s;
    __m512i scale16[8];
    for (int g = 0; g < 8; ++g) scale16[g] = join(scales_a.scale16(g), scales_b.scale16(g));
    __m512 dd[T];
    for (int t = 0; t < T; ++t) dd[t] = _mm512_mul_ps(d, _mm512_set1_ps(x[t]->d));
    for (int k = 0; k < 8; ++k) {
      __m512i q[8];  // as in q4_q5_k_group_times_rows
      for (int i = 0; i < 4; ++i) {
        if (k % 2 == 0) {
          prefetch_lines_ahead(a + 256 * i + 32 * k, ahead);
          prefetch_lines_ahead(b + 256 * i + 32 * k, ahead);
        }
        const __m512i w = join(load_lines(a + 256 * i + 32 * k), load_lines(b + 256 * i + 32 * k));
        q[2 * i] = _mm512_and_si512(w, low4);
        q[2 * i + 1] = _mm512_and_si512(_mm512_srli_epi16(w, 4), low4);
      }
      if constexpr (kFifthBit) {
        if (k % 2 == 0) {
          prefetch_lines_ahead(fifth_a + 32 * k, ahead);
          prefetch_lines_ahead(fifth_b + 32 * k, ahead);
        }
        const __m512i qh = join(load_lines(fifth_a + 32 * k), load_lines(fifth_b + 32 * k));
        for (int g = 0; g < 8; ++g) q[g] = _mm512_or_si512(q[g], bit_to_512(qh, g, 4));
      }
      for (int t = 0; t < T; ++t) {
        __m512i even = _mm512_setzero_si512(), odd = _mm512_setzero_si512();
        for (int g = 0; g < 8; g += 2) {
          even = _mm512_dpwssd_epi32(even, _mm512_maddubs_epi16(q[g], broadcast4_512(x[t]->qs + 32 * g + 4 * k)),
                                     scale16[g]);
          odd = _mm512_dpwssd_epi32(odd, _mm512_maddubs_epi16(q[g + 1], broadcast4_512(x[t]->qs + 32 * (g + 1) + 4 * k)),
                                    scale16[g + 1]);
        }
        scaled[t][k] = _mm512_fmadd_ps(dd[t], _mm512_cvtepi32_ps(_mm512_add_epi32(even, odd)), scaled[t][k]);
      }
    }
    a += 1024;
    b += 1024;
    __m512i min_of[8];
    for (int l = 0; l < 8; ++l) min_of[l] = join(scales_a.min(l), scales_b.min(l));
    for (int t = 0; t < T; ++t) {
      const int32_t* xsum = job.xsum32 + ((t0 + t) * job.supers + s) * 8;
      const __m512 ddmin = _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(_mm512_mul_ps(dmin, _mm512_set1_ps(x[t]->d))),
                                                                _mm512_set1_epi32(INT32_MIN)));  // negated (xor_ps needs DQ)
      for (int l = 0; l < 8; ++l) {
        const __m512i mins = _mm512_mullo_epi32(min_of[l], _mm512_set1_epi32(xsum[l]));
        minsum[t][l] = _mm512_fmadd_ps(ddmin, _mm512_cvtepi32_ps(mins), minsum[t][l]);
      }
    }
  }
  // Σ_l scaled(l) + minsum(l) in store_lane_sums' order.
  const __mmask16 real = static_cast<__mmask16>((1u << rows) - 1);
  for (int t = 0; t < T; ++t) {
    __m512 v[8];
    for (int l = 0; l < 8; ++l) v[l] = _mm512_add_ps(scaled[t][l], minsum[t][l]);
    for (int l = 0; l < 4; ++l) v[l] = _mm512_add_ps(v[l], v[l + 4]);
    _mm512_mask_storeu_ps(y + (t0 + t) * job.rows, real,
                          _mm512_add_ps(_mm512_add_ps(v[0], v[2]), _mm512_add_ps(v[1], v[3])));
  }
}

// A decode's float accumulators of vector pairs (k = 2kp in lanes 0-7,
// 2kp + 1 in lanes 8-15) as the shared kernel's lanes.
void split_pairs(const __m512 (&pairs)[4], __m256 (&lanes)[8]) {
  for (int kp = 0; kp < 4; ++kp) {
    lanes[2 * kp] = _mm512_castps512_ps256(pairs[kp]);
    lanes[2 * kp + 1] = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(pairs[kp]), 1));
  }
}

// The pairs' lanes and minsum summed and stored by store_lane_sums.
void store_pair_lane_sums(const __m512 (&scaled_pair)[4], const __m256 (&minsum)[8], float* y, int64_t y_stride,
                          int64_t rows) {
  __m256 scaled[1][8], minimums[1][8];
  split_pairs(scaled_pair, scaled[0]);
  for (int l = 0; l < 8; ++l) minimums[0][l] = minsum[l];
  store_lane_sums<1>(scaled, minimums, y, y_stride, rows);
}

// Q4_K and Q5_K decode, one group, a whole line per 512-bit instruction:
// vectors k and k + 1 of a sub-block pair are one 64-byte line (as are
// their fifth bits in Q5_K), so lanes 0-7 carry
// codes(k) and lanes 8-15 codes(k + 1), each half with its own activation
// quants (vpermd from the sub-block's 32 in a register) and its own float
// accumulator in the matching half of scaled_pair; at the end the halves are
// the shared kernel's lanes, summed by store_lane_sums. Same integers, same
// float steps per lane: the same bits.
template <DType Type>
void q4_q5_k_decode_group(const char* line, const KGroupJob& job, float* y, int64_t rows) {
  constexpr bool kFifthBit = Type == DType::Q5_K;
  const Ahead ahead = job.ahead;
  const __m512i low4 = _mm512_set1_epi8(0x0F);
  __m512 scaled_pair[4];
  __m256 minsum[8];
  for (int kp = 0; kp < 4; ++kp) scaled_pair[kp] = _mm512_setzero_ps();
  for (int l = 0; l < 8; ++l) minsum[l] = _mm256_setzero_ps();
  for (int64_t s = 0; s < job.supers; ++s) {
    const Q4KHeader header(line, ahead);
    line += kQ4KHeaderBytes;
    const char* fifth_bits = line;
    if constexpr (kFifthBit) line += kQ5KFifthBitBytes;
    const BlockQ8K* x = job.xq + s;
    __m512i scale16[8], xg[8];  // sub-block g's scales in both halves; its 32 activation quants
    for (int g = 0; g < 8; ++g) {
      scale16[g] = _mm512_broadcast_i64x4(header.scales.scale16(g));
      xg[g] = _mm512_castsi256_si512(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x->qs + 32 * g)));
    }
    const __m256 dd8 = _mm256_mul_ps(header.d, _mm256_set1_ps(x->d));
    const __m512 dd = join_ps(dd8, dd8);
#pragma GCC unroll 4  // with kp a run-time index GCC keeps scaled_pair[] in memory
    for (int kp = 0; kp < 4; ++kp) {  // vectors k = 2kp and 2kp + 1
      __m512i q[8];
      for (int i = 0; i < 4; ++i) {
        prefetch_lines_ahead(line + 256 * i + 64 * kp, ahead);
        const __m512i w = _mm512_loadu_si512(line + 256 * i + 64 * kp);
        q[2 * i] = _mm512_and_si512(w, low4);
        q[2 * i + 1] = _mm512_and_si512(_mm512_srli_epi16(w, 4), low4);
      }
      if constexpr (kFifthBit) {
        prefetch_lines_ahead(fifth_bits + 64 * kp, ahead);
        const __m512i qh = _mm512_loadu_si512(fifth_bits + 64 * kp);
        for (int g = 0; g < 8; ++g) q[g] = _mm512_or_si512(q[g], bit_to_512(qh, g, 4));
      }
      const __m512i pick = halves_index(2 * kp, 2 * kp + 1);
      __m512i even = _mm512_setzero_si512(), odd = _mm512_setzero_si512();
      for (int g = 0; g < 8; g += 2) {
        even = _mm512_dpwssd_epi32(even, _mm512_maddubs_epi16(q[g], _mm512_permutexvar_epi32(pick, xg[g])), scale16[g]);
        odd = _mm512_dpwssd_epi32(odd, _mm512_maddubs_epi16(q[g + 1], _mm512_permutexvar_epi32(pick, xg[g + 1])),
                                  scale16[g + 1]);
      }
      scaled_pair[kp] = _mm512_fmadd_ps(dd, _mm512_cvtepi32_ps(_mm512_add_epi32(even, odd)), scaled_pair[kp]);
    }
    line += 1024;
    __m256i min_of[8];
    for (int l = 0; l < 8; ++l) min_of[l] = header.scales.min(l);
    add_minimums(min_of, header.dmin, x->d, job.xsum32 + s * 8, minsum);
  }
  store_pair_lane_sums(scaled_pair, minsum, y, job.rows, rows);
}

// Q6_K decode, one group: vectors k and k + 1 of each half in the two
// halves of 512-bit vectors (lanes 0-7 codes(k), lanes 8-15 codes(k + 1)),
// as q4_q5_k_decode_group pairs them. Their 96-byte units sit side by side, so
// each 512-bit vector is two 256-bit loads. Both vectors of a pair use the
// same scale (scale 2g + k/4) and each half picks its four activation quants
// from the sub-block's 32 with vpermd. The end of a super-block (the scales
// times the bsums, the float step) is the shared kernel's per lane: the
// same bits. The loops are unrolled on purpose (pragmas): with kp a
// run-time index GCC kept codes[] in memory and built every shuffle
// control at run time (21.5 GiB/s). reach-gemv-bench, 5632 x 2048, one
// thread in L3, Zen 5: 30.5 -> 42-47 GiB/s; decode tg128 of the Q6_K
// TinyLlama, 2 threads, four interleaved pairs: 47-50 -> 55-56 t/s.
void q6_k_decode_group(const char* line, const KGroupJob& job, float* y, int64_t rows) {
  const Ahead ahead = job.ahead;
  const __m512i low4 = _mm512_set1_epi8(0x0F), bits45 = _mm512_set1_epi8(0x30);
  const auto pair_at = [](const char* p) {
    return join(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)),
                _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 96)));
  };
  const auto top_bits = [&](__m512i qh, int part) {  // high_bits_at_4 in 512 bits
    switch (part) {
      case 0: return _mm512_and_si512(_mm512_slli_epi16(qh, 4), bits45);
      case 1: return _mm512_and_si512(_mm512_slli_epi16(qh, 2), bits45);
      case 2: return _mm512_and_si512(qh, bits45);
      default: return _mm512_and_si512(_mm512_srli_epi16(qh, 2), bits45);
    }
  };
  __m512 scaled_pair[4];
  for (int kp = 0; kp < 4; ++kp) scaled_pair[kp] = _mm512_setzero_ps();
  for (int64_t s = 0; s < job.supers; ++s) {
    for (int at = 0; at < kQ6KHeaderBytes; at += 64) prefetch_lines_ahead(line + at, ahead);
    const __m256 d = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(line)));
    const Scales16 sc = q6_k_scales(line);
    line += kQ6KHeaderBytes;
    const BlockQ8K* x = job.xq + s;
    __m512i codes[4];
    for (int kp = 0; kp < 4; ++kp) codes[kp] = _mm512_setzero_si512();
#pragma GCC unroll 2
    for (int h = 0; h < 2; ++h) {
      __m512i xg[4];  // sub-block 4h + part's 32 activation quants
      for (int part = 0; part < 4; ++part)
        xg[part] = _mm512_castsi256_si512(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x->qs + 32 * (4 * h + part))));
#pragma GCC unroll 4
      for (int kp = 0; kp < 4; ++kp, line += 192) {
        for (int at = 0; at < 192; at += 64) prefetch_lines_ahead(line + at, ahead);
        const __m512i a = pair_at(line), c = pair_at(line + 32), high = pair_at(line + 64);
        const __m512i pick = halves_index(2 * kp, 2 * kp + 1);
#pragma GCC unroll 4
        for (int part = 0; part < 4; ++part) {
          const int g = 4 * h + part;
          const __m512i low_bits = part % 2 ? c : a;
          const __m512i nibble = part < 2 ? _mm512_and_si512(low_bits, low4)
                                          : _mm512_and_si512(_mm512_srli_epi16(low_bits, 4), low4);
          const __m512i q = _mm512_or_si512(nibble, top_bits(high, part));
          const __m512i scale = _mm512_broadcast_i64x4(sc.scale16(2 * g + kp / 2));
          codes[kp] = _mm512_dpwssd_epi32(codes[kp], _mm512_maddubs_epi16(q, _mm512_permutexvar_epi32(pick, xg[part])), scale);
        }
      }
    }
    const __m256 dd8 = _mm256_mul_ps(d, _mm256_set1_ps(x->d));
    const __m512 dd = join_ps(dd8, dd8);
    const auto* bsums = reinterpret_cast<const int8_t*>(x->bsums);
    for (int kp = 0; kp < 4; ++kp) {  // the shared kernel's end of a super-block, lanes 2kp and 2kp + 1
      const __m512i subs = _mm512_madd_epi16(join(sc.pair16(2 * kp), sc.pair16(2 * kp + 1)),
                                             join(broadcast4(bsums + 8 * kp), broadcast4(bsums + 8 * kp + 4)));
      const __m512i offset_codes = _mm512_sub_epi32(codes[kp], _mm512_slli_epi32(subs, 5));
      scaled_pair[kp] = _mm512_fmadd_ps(dd, _mm512_cvtepi32_ps(offset_codes), scaled_pair[kp]);
    }
  }
  __m256 minsum[8];  // Q6_K has no minimums: +0, as in the shared kernel
  for (int l = 0; l < 8; ++l) minsum[l] = _mm256_setzero_ps();
  store_pair_lane_sums(scaled_pair, minsum, y, job.rows, rows);
}

// Q2_K and Q3_K decode, one group: vectors k and k + 1 of a pair
// interleaved as this variant packs them (k_units_paired,
// row_groups_layout.h), a row's vector k in an even 32-bit lane and
// vector k + 1 in the odd one above, one load each. Then
// the activation quants the lanes need, 4k..4k + 3 and 4k + 4..4k + 7 of a
// sub-block, are one 8-byte broadcast from memory (a load, no shuffle).
// Their definition sums a row's whole super-block as one integer
// (row_groups_k_kernel.h), so the codes go straight into vpdpbusd, one
// int32 accumulator per sub-block g of 32 for the two pairs of vectors
// that share its scale (k = 4h..4h + 3: at most 8 · 7 · 128 a lane, an
// int16), and the accumulators of g and g + 1, packed as a lane's two
// int16, meet their scales in one vpdpwssd: 40 multiply-class
// instructions a super-block where vpmaddubsw and vpdpwssd per vector
// pair took 64. Lanes 2i and 2i + 1 are added as integers before the
// float step, so both hold their row's. Zen 5, reach-gemv-bench, 2 threads:
// from memory against Q4_K in the same process Q2_K 0.735 -> 0.886, Q3_K
// 0.722 -> 0.911 (six interleaved runs; docs/runtime.md, session 27). (An
// activation laid out ahead as 64-byte vectors, 2 KiB a super-block,
// measured +10-18% at 2048 columns but lost at 5632, where it no longer
// fits L1.)
template <DType Type>
void q2_q3_k_decode_group(const char* line, const KGroupJob& job, float* y, int64_t rows) {
  using Header = LowBitsHeader<Type>;
  const Ahead ahead = job.ahead;
  const auto pair_at = [](const char* p) { return _mm512_loadu_si512(p); };  // packed interleaved
  const auto row_total = [](__m512i v) { return _mm512_add_epi32(v, _mm512_shuffle_epi32(v, _MM_PERM_CDAB)); };
  // The code of sub-block g left where it sits in its byte, bits 2s and
  // 2s + 1 (s = g % 4): one AND instead of a shift and an AND, and the
  // code times 4^s (Q2_K at most 192, still a u8) summed; the sum is
  // shifted back once per sub-block and half, exactly (field_shift). Q3_K
  // puts its third bit just above, at 2s + 2, where its group keeps it for
  // g = 0..2 and one shift away for g = 4..6 (kQ3KThirdBitAt); field 3
  // has no bit above it, so Q3_K moves it down to bits 4-5 (times 16, as
  // field 2) with the third bit at 6.
  const auto field_shift = [](int g) { return Header::kQ3 ? std::min(g % 4, 2) : g % 4; };
  const auto code = [&](__m512i low, __m512i third, int g) {  // third: Q3_K's only
    const int at = 2 * field_shift(g);  // the low bits' place, the third bit's at + 2
    const __m512i field = Header::kQ3 && g % 4 == 3 ? _mm512_srli_epi16(low, 2) : low;
    const __m512i low_bits = _mm512_and_si512(field, _mm512_set1_epi8(static_cast<char>(3 << at)));
    if constexpr (Header::kQ3) return _mm512_or_si512(low_bits, bit_to_512(third, kQ3KThirdBitAt[g], at + 2));
    else return low_bits;
  };
  __m512 scaled = _mm512_setzero_ps(), minsum = _mm512_setzero_ps();  // Q3_K has no minimums: +0
  for (int64_t s = 0; s < job.supers; ++s) {
    const Header header(line, ahead);
    line += Header::kBytes;
    const Scales16x2<Header::kQ3> scales(header.scales);
    const Scales16x2<false> minimums(header.mins);  // Q2_K's; unused (and dropped) for Q3_K
    const BlockQ8K* x = job.xq + s;
    __m512i codes = _mm512_setzero_si512(), mins = _mm512_setzero_si512();
#pragma GCC unroll 2
    for (int h = 0; h < 2; ++h) {  // vectors 4h..4h + 3, scales 2g + h
      __m512i sub_block[8];
      for (int g = 0; g < 8; ++g) sub_block[g] = _mm512_setzero_si512();
#pragma GCC unroll 2
      for (int kp = 2 * h; kp < 2 * h + 2; ++kp, line += 2 * Header::kUnitBytes) {  // vectors 2kp, 2kp + 1
        for (int at = 0; at < 2 * Header::kUnitBytes; at += 64) prefetch_lines_ahead(line + at, ahead);
        const char* low_bits = Header::kQ3 ? line + 64 : line;
        const __m512i low[2] = {pair_at(low_bits), pair_at(low_bits + 64)};
        const __m512i third = Header::kQ3 ? pair_at(line) : _mm512_setzero_si512();
        for (int g = 0; g < 8; ++g)
          sub_block[g] = _mm512_dpbusd_epi32(sub_block[g], code(low[g / 4], third, g),
                                             broadcast8_512(x->qs + 32 * g + 8 * kp));
        const __m512i bsum_pairs = broadcast8_512(x->bsums + 4 * kp);  // sub-blocks 4kp..4kp + 3
        if constexpr (Header::kQ3)
          codes = _mm512_sub_epi32(codes, _mm512_slli_epi32(_mm512_madd_epi16(scales.pairs16(kp), bsum_pairs), 2));
        else
          mins = _mm512_add_epi32(mins, _mm512_madd_epi16(minimums.pairs16(kp), bsum_pairs));
      }
      for (int g = 0; g < 8; g += 2) {
        const int low_shift = 2 * field_shift(g), high_shift = 2 * field_shift(g + 1);
        const __m512i low_half = low_shift ? _mm512_srli_epi32(sub_block[g], low_shift) : sub_block[g];
        const __m512i packed =
            _mm512_mask_blend_epi16(0xAAAAAAAAu, low_half, _mm512_slli_epi32(sub_block[g + 1], 16 - high_shift));
        codes = _mm512_dpwssd_epi32(codes, packed, scales.scales_of_pair(g, h));
      }
    }
    const __m256 x_d = _mm256_set1_ps(x->d);
    scaled = _mm512_fmadd_ps(rows_doubled_ps(_mm256_mul_ps(header.d, x_d)), _mm512_cvtepi32_ps(row_total(codes)), scaled);
    if constexpr (!Header::kQ3) {
      const __m256 ddmin = _mm256_xor_ps(_mm256_mul_ps(header.dmin, x_d), _mm256_set1_ps(-0.0f));
      minsum = _mm512_fmadd_ps(rows_doubled_ps(ddmin), _mm512_cvtepi32_ps(row_total(mins)), minsum);
    }
  }
  const __m512i row_lanes = _mm512_setr_epi32(0, 2, 8, 10, 4, 6, 12, 14, 0, 2, 8, 10, 4, 6, 12, 14);  // 2 kPairLaneOfRow[r]
  const __m256 sum[1] = {_mm512_castps512_ps256(_mm512_permutexvar_ps(row_lanes, _mm512_add_ps(scaled, minsum)))};
  store_row_sums<1>(sum, y, job.rows, rows);
}

// Q4_K and Q5_K prefill: multiply_k_type's order (blocks of activation
// rows, eight per pass) over pairs of groups; a share's odd last group goes
// alone through the shared kernel.
template <DType Type>
void q4_q5_k_pairs(const KGroupJob& job, int64_t g0, int64_t g1) {
  const int64_t paired_end = g0 + (g1 - g0) / 2 * 2;
  for (int64_t t0 = 0; t0 < job.n; t0 += kKTokenBlock) {
    const int64_t t1 = smaller(job.n, t0 + kKTokenBlock);
    for (int64_t g = g0; g < paired_end; g += 2) {
      const char* a = group_start(job, g);
      const int64_t rows = smaller(2 * kRows, job.rows - g * kRows);
      float* y = job.y + g * kRows;
      int64_t t = t0;
      for (; t + kKTokens <= t1; t += kKTokens)
        q4_q5_k_pair_times_rows<Type, kKTokens>(a, a + job.group_stride, job, t, y, rows);
      for (; t < t1; ++t) q4_q5_k_pair_times_rows<Type, 1>(a, a + job.group_stride, job, t, y, rows);
    }
  }
  if (paired_end < g1) multiply_k_with<VnniKDot<Avx512Dpwssd>, kUnitsPaired>(job, paired_end, g1);
}

}  // namespace

namespace avx512_vnni {
void multiply_groups(const GroupJob& job, int64_t g0, int64_t g1) {
  if (job.n == 1) {
    if (job.type == DType::Q4_0) decode_each_group<group_times_row_by_lines<DType::Q4_0>>(job, g0, g1);
    else decode_each_group<group_times_row_by_lines<DType::Q8_0>>(job, g0, g1);
    return;
  }
  if (job.type == DType::Q4_0) multiply_pairs<DType::Q4_0>(job, g0, g1);
  else multiply_pairs<DType::Q8_0>(job, g0, g1);
}
// The K-quants: decode in 512-bit vectors, one group at a time; Q4_K's and
// Q5_K's prefill in pairs of groups; the others' prefill the shared kernel
// with EVEX vpdpwssd on 256-bit vectors.
void multiply_k_groups(const KGroupJob& job, int64_t g0, int64_t g1) {
  const bool decode = job.n == 1;
  switch (job.type) {
    case DType::Q2_K:
      return decode ? decode_each_group<q2_q3_k_decode_group<DType::Q2_K>>(job, g0, g1)
                    : multiply_k_with<VnniKDot<Avx512Dpwssd>, kUnitsPaired>(job, g0, g1);
    case DType::Q3_K:
      return decode ? decode_each_group<q2_q3_k_decode_group<DType::Q3_K>>(job, g0, g1)
                    : multiply_k_with<VnniKDot<Avx512Dpwssd>, kUnitsPaired>(job, g0, g1);
    case DType::Q4_K:
      return decode ? decode_each_group<q4_q5_k_decode_group<DType::Q4_K>>(job, g0, g1)
                    : q4_q5_k_pairs<DType::Q4_K>(job, g0, g1);
    case DType::Q5_K:
      return decode ? decode_each_group<q4_q5_k_decode_group<DType::Q5_K>>(job, g0, g1)
                    : q4_q5_k_pairs<DType::Q5_K>(job, g0, g1);
    default:
      return decode ? decode_each_group<q6_k_decode_group>(job, g0, g1)
                    : multiply_k_with<VnniKDot<Avx512Dpwssd>, kUnitsPaired>(job, g0, g1);
  }
}
}  // namespace avx512_vnni

}  // namespace reach::run::row_groups
