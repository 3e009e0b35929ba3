#pragma once
// The one row-group kernel (row_groups.h), written once and compiled once per
// instruction set by row_groups_<isa>.cpp. A variant supplies a policy P:
//   P::kTokens               activation rows per pass over a group (what its
//                            registers hold)
//   P::offset(Type)          what its integer dot product adds to each weight
//                            quant (Q4_0's nibbles are q + 8; the VNNI
//                            variants also use Q8_0's as unsigned, q + 128)
//   P::block_dots<Type, T>   the integer dot products of one block's 8 rows
//                            with T activation rows, one int32 lane per row
//                            (prefetching each line it reads)
// and gets the rest here: the stream over the group's lines, the
// prefetches, the offset's correction (offset · Σx, exact) and the float
// arithmetic, which is the same in every variant, so all give the bits of
// the block definition.
//
// Internal linkage throughout (see row_groups_layout.h).
#include <immintrin.h>

#include <cstring>

#include "kernels/prefetch_ahead.h"
#include "kernels/row_groups_layout.h"

namespace reach::run::row_groups {
namespace {

// Every 64-byte line of a group is prefetched twice, just before the loads
// of the line itself: into L1 and into L2, each a distance ahead that the
// CPU's family decides (kernels/cpu_features.h). On Sapphire Rapids
// (reach-run bench -p 0 -n 64, TinyLlama shape, 2 threads; against the same
// binary with the distances before, 1536 and 3072 issued as a burst per
// superblock): Q4_0 52.9 -> 57.5 t/s, Q8_0 29.8 -> 32.3 t/s at 2048/5120.
// From memory (a harness walking 1 GiB of Q4_0 groups, 2 threads, GB/s)
// 2048/4096 34.7, 2048/5120 34.8, 2560/5120 35.0, 1536/3072 33.4, 2560/4096
// 34.0, 2048/6144 32.7, 1536 with no L2 prefetch 31.6. An L1 prefetch
// exactly 4 KiB ahead shares an L1 set with the load it serves and halves
// the speed. (Ahead: cpu_features.h.)

constexpr int64_t smaller(int64_t a, int64_t b) { return a < b ? a : b; }

// Four activation quants as one 32-bit value in every lane.
inline __m256i broadcast4(const int8_t* q) {
  int32_t v;
  std::memcpy(&v, q, 4);
  return _mm256_set1_epi32(v);
}

// A group's `rows` accumulators from y (the panels before), zeros past them.
inline __m256 load_lanes(const float* y, int64_t rows) {
  if (rows == kRows) return _mm256_loadu_ps(y);
  alignas(32) float lanes[kRows] = {};
  for (int64_t r = 0; r < rows; ++r) lanes[r] = y[r];
  return _mm256_load_ps(lanes);
}

// sum[t] (one float per row of the group) into y[t * y_stride + r] for
// the group's `rows` real rows, for each of T activation rows.
template <int T>
void store_row_sums(const __m256 (&sum)[T], float* y, int64_t y_stride, int64_t rows) {
  for (int t = 0; t < T; ++t) {
    float* out = y + t * y_stride;
    if (rows == kRows) {
      _mm256_storeu_ps(out, sum[t]);
    } else {
      alignas(32) float lanes[kRows];
      _mm256_store_ps(lanes, sum[t]);
      for (int64_t r = 0; r < rows; ++r) out[r] = lanes[r];
    }
  }
}

// The eight rows of one group times activation rows t0..t0+T-1; writes
// y[(t0 + t) * job.rows + r] for the group's `rows` real rows. The group is
// read front to back as one stream, line by line.
template <class P, DType Type, int T>
void group_times_rows(const std::byte* group, const GroupJob& job, int64_t t0, float* y, int64_t rows) {
  constexpr int64_t kQuantBytes = quant_bytes(Type);
  const int64_t blocks = job.blocks;
  __m256 acc[T];
  for (int t = 0; t < T; ++t) acc[t] = job.carry ? load_lanes(y + (t0 + t) * job.rows, rows) : _mm256_setzero_ps();
  const char* line = reinterpret_cast<const char*>(group);
  const Ahead ahead = job.ahead;
  for (int64_t b0 = 0; b0 < blocks; b0 += kSuperblock) {
    const int64_t here = smaller(kSuperblock, blocks - b0);
    // The superblock's line of scales, prefetched like every line.
    const auto* scales = reinterpret_cast<const __m128i*>(line);
    prefetch_lines_ahead(line, ahead);
    line += 64;
    for (int64_t j = 0; j < here; ++j, line += kQuantBytes) {
      const int64_t b = b0 + j;
      const int8_t* xq[T];
      for (int t = 0; t < T; ++t) xq[t] = job.xq[(t0 + t) * job.x_stride + b].q;
      __m256i dot[T];
      for (int t = 0; t < T; ++t) dot[t] = _mm256_setzero_si256();
      P::template block_dots<Type, T>(line, xq, dot, ahead);
      const __m256 d_w = _mm256_cvtph_ps(_mm_load_si128(scales + j));
      for (int t = 0; t < T; ++t) {
        const int64_t i = (t0 + t) * job.x_stride + b;
        __m256i s = dot[t];
        if constexpr (P::offset(Type) != 0)
          s = _mm256_sub_epi32(s, _mm256_set1_epi32(P::offset(Type) * job.xsum[i]));
        acc[t] = _mm256_fmadd_ps(_mm256_mul_ps(d_w, _mm256_set1_ps(job.xd[i])), _mm256_cvtepi32_ps(s), acc[t]);
      }
    }
  }
  store_row_sums<T>(acc, y + t0 * job.rows, job.rows, rows);
}

// Groups [g0, g1) times all n activation rows: P::kTokens rows per pass
// while they last, then fewer (decode's single row is a pass of one).
template <class P, DType Type>
void multiply_type(const GroupJob& job, int64_t g0, int64_t g1) {
  for (int64_t g = g0; g < g1; ++g) {
    const std::byte* group = job.packed + static_cast<size_t>(g) * job.group_stride;
    const int64_t rows = smaller(kRows, job.rows - g * kRows);
    float* yg = job.y + g * kRows;
    int64_t t = 0;
    for (; t + P::kTokens <= job.n; t += P::kTokens) group_times_rows<P, Type, P::kTokens>(group, job, t, yg, rows);
    if constexpr (P::kTokens > 4)
      for (; t + 4 <= job.n; t += 4) group_times_rows<P, Type, 4>(group, job, t, yg, rows);
    for (; t < job.n; ++t) group_times_rows<P, Type, 1>(group, job, t, yg, rows);
  }
}

template <class P>
void multiply_groups_with(const GroupJob& job, int64_t g0, int64_t g1) {
  if (job.type == DType::Q4_0) multiply_type<P, DType::Q4_0>(job, g0, g1);
  else multiply_type<P, DType::Q8_0>(job, g0, g1);
}

// The VNNI variants' integer dot products: vpdpbusd multiplies unsigned
// bytes by signed ones and adds four products into each int32 lane, exactly
// (no int16 step to saturate). The weights are the unsigned side: Q4_0's
// nibbles as they are, Q8_0's quants plus 128 (a sign-bit flip), so the
// activation quants broadcast as the signed side. Two accumulators per
// activation row (the vector halves of a line) halve the dependency chains.
template <class Dpbusd>
struct VnniDots {
  static constexpr int32_t offset(DType type) { return type == DType::Q4_0 ? 8 : 128; }

  template <DType Type, int T>
  static void block_dots(const char* line, const int8_t* const* xq, __m256i* dot, Ahead ahead) {
    constexpr int kLines = quant_bytes(Type) / 64;
    const __m256i low4 = _mm256_set1_epi8(0x0F), sign = _mm256_set1_epi8(static_cast<char>(0x80));
    __m256i other[T];
    for (int t = 0; t < T; ++t) other[t] = _mm256_setzero_si256();
    for (int l = 0; l < kLines; ++l, line += 64) {
      prefetch_lines_ahead(line, ahead);
      for (int half = 0; half < 2; ++half) {
        const int v = 2 * l + half;  // quant vector of the block
        __m256i* into = half ? other : dot;
        const __m256i w = _mm256_load_si256(reinterpret_cast<const __m256i*>(line) + half);
        if constexpr (Type == DType::Q4_0) {
          // Low nibbles are elements 4v..4v+3 of each row, high ones 16+4v..16+4v+3.
          const __m256i lo = _mm256_and_si256(w, low4);
          const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(w, 4), low4);
          for (int t = 0; t < T; ++t) {
            into[t] = Dpbusd::apply(into[t], lo, broadcast4(xq[t] + 4 * v));
            into[t] = Dpbusd::apply(into[t], hi, broadcast4(xq[t] + 16 + 4 * v));
          }
        } else {
          const __m256i w_unsigned = _mm256_xor_si256(w, sign);
          for (int t = 0; t < T; ++t) into[t] = Dpbusd::apply(into[t], w_unsigned, broadcast4(xq[t] + 4 * v));
        }
      }
    }
    for (int t = 0; t < T; ++t) dot[t] = _mm256_add_epi32(dot[t], other[t]);
  }
};

}  // namespace
}  // namespace reach::run::row_groups
