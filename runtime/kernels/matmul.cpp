#include "kernels/matmul.h"

#include <cblas.h>
#include <immintrin.h>

#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/quant.h"

namespace reach::run {

namespace {

// Rows per task so that a thread's slice of W starts on a cache line-ish
// boundary and threads do not share output cache lines.
constexpr int64_t kRowGrain = 16;
// Rows of a quantized W expanded to F32 at a time for sgemm: 64 rows of
// 5632 floats is 1.4 MiB, about what one core's L2 holds.
constexpr int64_t kGemmTileRows = 64;
// Software prefetch in the GEMV (measured: without it single-thread Q4_0 decode is ~17% slower).
constexpr bool kPrefetch = true;

// Inlined here: a call per 32-element block would cost as much as the block.
inline float half_to_float(uint16_t h) { return _cvtsh_ss(h); }

inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// Eight partial sums of x·y for 32 signed bytes each (ggml's
// mul_sum_i8_pairs_float: maddubs wants one unsigned operand, so move x's
// sign onto y).
inline __m256 dot_i8_32(__m256i x, __m256i y) {
  const __m256i ax = _mm256_sign_epi8(x, x);
  const __m256i sy = _mm256_sign_epi8(y, x);
  const __m256i pairs = _mm256_maddubs_epi16(ax, sy);
  return _mm256_cvtepi32_ps(_mm256_madd_epi16(pairs, _mm256_set1_epi16(1)));
}

// ---- decode: one row of W at a time --------------------------------------

float dot_f32(const float* w, const float* x, int64_t n) {
  __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i), _mm256_loadu_ps(x + i), a0);
    a1 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i + 8), _mm256_loadu_ps(x + i + 8), a1);
  }
  for (; i + 8 <= n; i += 8) a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i), _mm256_loadu_ps(x + i), a0);
  float s = hsum(_mm256_add_ps(a0, a1));
  for (; i < n; ++i) s += w[i] * x[i];
  return s;
}

float dot_f16(const uint16_t* w, const float* x, int64_t n) {
  __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256 w0 = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w + i)));
    const __m256 w1 = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w + i + 8)));
    a0 = _mm256_fmadd_ps(w0, _mm256_loadu_ps(x + i), a0);
    a1 = _mm256_fmadd_ps(w1, _mm256_loadu_ps(x + i + 8), a1);
  }
  for (; i + 8 <= n; i += 8)
    a0 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w + i))),
                         _mm256_loadu_ps(x + i), a0);
  float s = hsum(_mm256_add_ps(a0, a1));
  for (; i < n; ++i) s += half_to_float(w[i]) * x[i];
  return s;
}

float dot_bf16(const uint16_t* w, const float* x, int64_t n) {
  __m256 a0 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256i h = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w + i)));
    a0 = _mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_slli_epi32(h, 16)), _mm256_loadu_ps(x + i), a0);
  }
  float s = hsum(a0);
  for (; i < n; ++i) s += bf16_to_fp32(w[i]) * x[i];
  return s;
}

// ---- Q8_0 / Q4_0 weights × Q8_0 activation --------------------------------
// x_scale[b] is x[b].d already widened to float (once per GEMV, not per row).
// dot_rows can multiply R rows of W in one pass over the activation (one
// activation load for R rows, R independent FMA chains), but on the
// development VM R = 4 and R = 2 measured slower than R = 1 (single-thread
// Q4_0 decode 12.7 / 11.8 vs 21.2 t/s): one sequential weight stream per
// thread suits the hardware prefetcher better, so the callers use R = 1.
// Per row the arithmetic is llama.cpp's
// ggml_vec_dot_q8_0_q8_0 / _q4_0_q8_0 on AVX2: an exact integer dot product
// per block (the weight's sign moved onto the activation so that maddubs
// sees one unsigned operand), times d_w·d_x, FMA'd into one 8-lane
// accumulator in block order, horizontally summed at the end.

// Weight block b of a Q8_0 row as 32 signed bytes.
inline __m256i load_q8_0(const BlockQ8_0& b) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.q)); }

template <int R, class Block, class Load>
inline void dot_rows(const Block* const* w, const BlockQ8_0* x, const float* x_scale, int64_t blocks, float* out,
                     Load load) {
  constexpr int kPrefetchBlocks = 16;  // ~300-600 bytes ahead in each row
  __m256 acc[R];
  for (int r = 0; r < R; ++r) acc[r] = _mm256_setzero_ps();
  for (int64_t b = 0; b < blocks; ++b) {
    const __m256i qx = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[b].q));
    const float xd = x_scale[b];
    for (int r = 0; r < R; ++r) {
      if (kPrefetch) _mm_prefetch(reinterpret_cast<const char*>(w[r] + b + kPrefetchBlocks), _MM_HINT_T0);
      const __m256 d = _mm256_set1_ps(half_to_float(w[r][b].d) * xd);
      acc[r] = _mm256_fmadd_ps(d, dot_i8_32(load(w[r][b]), qx), acc[r]);
    }
  }
  for (int r = 0; r < R; ++r) out[r] = hsum(acc[r]);
}

// y[r] for rows [begin, end) of a Q8_0 matrix, R rows per pass.
void gemv_q8_0_rows(const TensorView& w, const BlockQ8_0* x, const float* x_scale, int64_t begin, int64_t end,
                    float* y) {
  constexpr int R = 1;
  const int64_t blocks = w.cols() / kQuantBlock;
  const size_t row_bytes = w.row_bytes();
  const BlockQ8_0* rows[R];
  int64_t r = begin;
  for (; r + R <= end; r += R) {
    for (int i = 0; i < R; ++i)
      rows[i] = reinterpret_cast<const BlockQ8_0*>(w.data + static_cast<size_t>(r + i) * row_bytes);
    dot_rows<R>(rows, x, x_scale, blocks, y + r, load_q8_0);
  }
  for (; r < end; ++r) {
    rows[0] = reinterpret_cast<const BlockQ8_0*>(w.data + static_cast<size_t>(r) * row_bytes);
    dot_rows<1>(rows, x, x_scale, blocks, y + r, load_q8_0);
  }
}

// Q4_0 without the sign trick: the nibbles u = q + 8 are already unsigned,
// so maddubs(u, x) needs no sign moves, and each 32-bit lane's
// sum_{4 elements} (u - 8)·x = madd(maddubs(u, x)) - 8·sum_{4 elements} x, with
// the second term computed once per GEMV (x_corr, one vector per block).
// Integer arithmetic is exact, so every lane holds the very integer that
// ggml's sign-trick path computes, and the float arithmetic after it is the
// same.
template <int R>
inline void dot_rows_q4_0(const BlockQ4_0* const* w, const BlockQ8_0* x, const __m256i* x_corr,
                          const float* x_scale, int64_t blocks, float* out) {
  constexpr int kPrefetchBlocks = 24;
  const __m256i low_mask = _mm256_set1_epi8(0x0F);
  const __m256i ones = _mm256_set1_epi16(1);
  __m256 acc[R];
  for (int r = 0; r < R; ++r) acc[r] = _mm256_setzero_ps();
  for (int64_t b = 0; b < blocks; ++b) {
    const __m256i qx = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[b].q));
    const __m256i corr = _mm256_load_si256(x_corr + b);
    const float xd = x_scale[b];
    for (int r = 0; r < R; ++r) {
      if (kPrefetch) _mm_prefetch(reinterpret_cast<const char*>(w[r] + b + kPrefetchBlocks), _MM_HINT_T0);
      const __m256 d = _mm256_set1_ps(half_to_float(w[r][b].d) * xd);
      const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w[r][b].q));
      const __m256i u = _mm256_and_si256(
          low_mask, _mm256_inserti128_si256(_mm256_castsi128_si256(packed), _mm_srli_epi16(packed, 4), 1));
      const __m256i lanes = _mm256_sub_epi32(_mm256_madd_epi16(_mm256_maddubs_epi16(u, qx), ones), corr);
      acc[r] = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(lanes), acc[r]);
    }
  }
  for (int r = 0; r < R; ++r) out[r] = hsum(acc[r]);
}

void gemv_q4_0_rows(const TensorView& w, const BlockQ8_0* x, const __m256i* x_corr, const float* x_scale,
                    int64_t begin, int64_t end, float* y) {
  constexpr int R = 1;
  const int64_t blocks = w.cols() / kQuantBlock;
  const size_t row_bytes = w.row_bytes();
  const BlockQ4_0* rows[R];
  int64_t r = begin;
  for (; r + R <= end; r += R) {
    for (int i = 0; i < R; ++i)
      rows[i] = reinterpret_cast<const BlockQ4_0*>(w.data + static_cast<size_t>(r + i) * row_bytes);
    dot_rows_q4_0<R>(rows, x, x_corr, x_scale, blocks, y + r);
  }
  for (; r < end; ++r) {
    rows[0] = reinterpret_cast<const BlockQ4_0*>(w.data + static_cast<size_t>(r) * row_bytes);
    dot_rows_q4_0<1>(rows, x, x_corr, x_scale, blocks, y + r);
  }
}

// Runs row_dot(row_index) for every row of W on the pool.
template <class RowDot>
void for_each_row(const TensorView& w, float* y, ThreadPool& pool, const RowDot& row_dot) {
  pool.parallel_for(w.rows(), kRowGrain, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) y[r] = row_dot(r);
  });
}

const std::byte* row_ptr(const TensorView& w, int64_t r) { return w.data + static_cast<size_t>(r) * w.row_bytes(); }

void gemv_f32(const TensorView& w, const float* x, float* y, ThreadPool& pool) {
  const int64_t n = w.cols();
  for_each_row(w, y, pool, [&](int64_t r) { return dot_f32(reinterpret_cast<const float*>(row_ptr(w, r)), x, n); });
}

void gemv_f16(const TensorView& w, const float* x, float* y, ThreadPool& pool) {
  const int64_t n = w.cols();
  thread_local std::vector<float> xh;
  xh.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) xh[i] = fp16_to_fp32(fp32_to_fp16(x[i]));  // llama.cpp's vec_dot_type
  // A pointer, not the thread_local itself: workers must read this thread's copy.
  const float* x_half = xh.data();
  for_each_row(w, y, pool,
               [&](int64_t r) { return dot_f16(reinterpret_cast<const uint16_t*>(row_ptr(w, r)), x_half, n); });
}

void gemv_bf16(const TensorView& w, const float* x, float* y, ThreadPool& pool) {
  const int64_t n = w.cols();
  for_each_row(w, y, pool,
               [&](int64_t r) { return dot_bf16(reinterpret_cast<const uint16_t*>(row_ptr(w, r)), x, n); });
}

// The activation quantized to Q8_0, and each block's scale as a float.
struct QuantizedActivation {
  const BlockQ8_0* blocks;
  const float* scales;
  const __m256i* q4_corr;  // per block, 8·(sum of each 32-bit lane's 4 elements); Q4_0 weights only
};

struct AlignedVec {
  alignas(32) int32_t v[8];
};

QuantizedActivation quantize_activation(const float* x, int64_t n, bool q4_corr = false) {
  thread_local std::vector<BlockQ8_0> xq;
  thread_local std::vector<float> scales;
  thread_local std::vector<AlignedVec> corr;
  xq.resize(static_cast<size_t>(n / kQuantBlock));
  scales.resize(xq.size());
  quantize_row_q8_0(x, xq.data(), n);
  for (size_t b = 0; b < xq.size(); ++b) scales[b] = half_to_float(xq[b].d);
  if (q4_corr) {
    corr.resize(xq.size());
    const __m256i eight = _mm256_set1_epi8(8), ones = _mm256_set1_epi16(1);
    for (size_t b = 0; b < xq.size(); ++b) {
      const __m256i qx = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xq[b].q));
      _mm256_store_si256(reinterpret_cast<__m256i*>(corr[b].v),
                         _mm256_madd_epi16(_mm256_maddubs_epi16(eight, qx), ones));
    }
  }
  return {xq.data(), scales.data(), reinterpret_cast<const __m256i*>(corr.data())};
}

void gemv_q8_0(const TensorView& w, const float* x, float* y, ThreadPool& pool) {
  const QuantizedActivation xq = quantize_activation(x, w.cols());
  pool.parallel_for(w.rows(), kRowGrain, [&](int64_t begin, int64_t end) {
    gemv_q8_0_rows(w, xq.blocks, xq.scales, begin, end, y);
  });
}

void gemv_q4_0(const TensorView& w, const float* x, float* y, ThreadPool& pool) {
  const QuantizedActivation xq = quantize_activation(x, w.cols(), true);
  pool.parallel_for(w.rows(), kRowGrain, [&](int64_t begin, int64_t end) {
    gemv_q4_0_rows(w, xq.blocks, xq.q4_corr, xq.scales, begin, end, y);
  });
}

// ---- prefill: Y = X · Wᵀ with sgemm --------------------------------------
// Each pool thread takes a slice of W's rows (a slice of Y's columns) and
// runs a single-threaded sgemm on it, so OpenBLAS's own threads never
// compete with the pool for the cores.

void sgemm_rows(const float* x, int64_t n, int64_t in, const float* w_rows, int64_t rows, float* y_cols,
                int64_t ldy) {
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(n), static_cast<int>(rows),
              static_cast<int>(in), 1.0f, x, static_cast<int>(in), w_rows, static_cast<int>(in), 0.0f, y_cols,
              static_cast<int>(ldy));
}

void gemm_f32(const TensorView& w, const float* x, int64_t n, float* y, ThreadPool& pool) {
  const int64_t in = w.cols(), out = w.rows();
  pool.parallel_for(out, kRowGrain, [&](int64_t begin, int64_t end) {
    sgemm_rows(x, n, in, reinterpret_cast<const float*>(row_ptr(w, begin)), end - begin, y + begin, out);
  });
}

// The activation rows as the GEMV kernel for this weight type sees them
// (rounded to F16, or quantized to Q8_0 and back), so that a batched prefill
// computes the same products as token-by-token decode and as llama.cpp's
// CPU backend; only the summation order differs.
// Rows are split over the pool: for a 512-token prompt this is millions of
// elements per product.
const float* activation_rows_as_seen(DType w_type, const float* x, int64_t n, int64_t in, ThreadPool& pool) {
  if (w_type != DType::F16 && w_type != DType::Q8_0 && w_type != DType::Q4_0) return x;
  thread_local std::vector<float> seen_rows;
  seen_rows.resize(static_cast<size_t>(n * in));
  float* seen = seen_rows.data();  // workers write the caller's copy
  pool.parallel_for(n, 1, [&](int64_t begin, int64_t end) {
    if (w_type == DType::F16) {
      for (int64_t i = begin * in; i < end * in; ++i) seen[i] = fp16_to_fp32(fp32_to_fp16(x[i]));
      return;
    }
    thread_local std::vector<BlockQ8_0> blocks;
    blocks.resize(static_cast<size_t>(in / kQuantBlock));
    for (int64_t t = begin; t < end; ++t) {
      quantize_row_q8_0(x + t * in, blocks.data(), in);
      dequantize_row(DType::Q8_0, reinterpret_cast<const std::byte*>(blocks.data()), seen + t * in, in);
    }
  });
  return seen;
}

void gemm_dequantized(const TensorView& w, const float* x_in, int64_t n, float* y, ThreadPool& pool) {
  const int64_t in = w.cols(), out = w.rows();
  const float* x = activation_rows_as_seen(w.dtype, x_in, n, in, pool);
  pool.parallel_for(out, kRowGrain, [&](int64_t begin, int64_t end) {
    thread_local std::vector<float> tile;
    tile.resize(static_cast<size_t>(kGemmTileRows * in));
    for (int64_t r0 = begin; r0 < end; r0 += kGemmTileRows) {
      const int64_t rows = std::min(kGemmTileRows, end - r0);
      for (int64_t r = 0; r < rows; ++r) dequantize_row(w.dtype, row_ptr(w, r0 + r), tile.data() + r * in, in);
      sgemm_rows(x, n, in, tile.data(), rows, y + r0, out);
    }
  });
}

// Q8_0/Q4_0 prefill: an int8 GEMM over the Q8_0-quantized activation rows, laid
// out like llama.cpp's repacked ggml_gemm_q4_0_8x8_q8_0 but computing exactly
// what decode's GEMV computes. Each thread repacks eight weight rows at a time
// (once per batch, into a buffer that stays in L2) so that vector k of a block
// holds weights 4k..4k+3 of each of the 8 rows; a broadcast of the
// activation's bytes 4k..4k+3 then gives, per maddubs + madd, the 32-bit lane
// k of the GEMV for 8 rows at once. Lane k is accumulated with the same FMA,
// the same scale d_w·d_x, in the same block order, and the 8 lanes are summed
// in hsum's order, so prefill gives decode's bits (tested), not merely
// numbers within a tolerance.
struct QTile {
  // [block][k = 0..7] 32 bytes: lane r (4 bytes) = weight bytes 4k..4k+3 of
  // row r, as maddubs' unsigned operand: Q4_0's nibbles q + 8, Q8_0's |q|.
  struct alignas(32) Bytes32 { int8_t b[32]; };
  struct alignas(32) Floats8 { float f[8]; };
  std::vector<Bytes32> u;
  std::vector<Bytes32> sign;  // Q8_0 only: q itself, whose sign moves onto x
  std::vector<Floats8> d;     // [block] the 8 rows' scales
  const __m256i* u_at(int64_t b) const { return reinterpret_cast<const __m256i*>(u.data() + b * 8); }
  const __m256i* sign_at(int64_t b) const { return reinterpret_cast<const __m256i*>(sign.data() + b * 8); }
};

template <DType T>
void repack_rows(const TensorView& w, int64_t r0, int64_t rows, int64_t blocks, QTile& tile) {
  tile.u.resize(static_cast<size_t>(blocks * 8));
  if (T == DType::Q8_0) tile.sign.resize(tile.u.size());
  tile.d.resize(static_cast<size_t>(blocks));
  alignas(32) int8_t bytes[8][32];  // [k][4·row + j], the signed weights
  alignas(32) float d[8];
  for (int64_t b = 0; b < blocks; ++b) {
    for (int r = 0; r < 8; ++r) {
      int8_t q[32] = {};
      d[r] = 0.0f;  // padding rows: scale 0, never stored
      if (r < rows) {
        if constexpr (T == DType::Q4_0) {
          const BlockQ4_0& blk = reinterpret_cast<const BlockQ4_0*>(row_ptr(w, r0 + r))[b];
          d[r] = half_to_float(blk.d);
          for (int i = 0; i < 16; ++i) {
            q[i] = static_cast<int8_t>(blk.q[i] & 0x0F);  // unsigned nibbles, corrected via x_corr
            q[i + 16] = static_cast<int8_t>(blk.q[i] >> 4);
          }
        } else {
          const BlockQ8_0& blk = reinterpret_cast<const BlockQ8_0*>(row_ptr(w, r0 + r))[b];
          d[r] = half_to_float(blk.d);
          std::memcpy(q, blk.q, 32);
        }
      }
      for (int k = 0; k < 8; ++k)
        for (int j = 0; j < 4; ++j) bytes[k][4 * r + j] = q[4 * k + j];
    }
    for (int k = 0; k < 8; ++k) {
      const __m256i v = _mm256_load_si256(reinterpret_cast<const __m256i*>(bytes[k]));
      auto* u = reinterpret_cast<__m256i*>(tile.u[static_cast<size_t>(b * 8 + k)].b);
      if constexpr (T == DType::Q4_0) {
        _mm256_store_si256(u, v);
      } else {
        _mm256_store_si256(u, _mm256_sign_epi8(v, v));
        _mm256_store_si256(reinterpret_cast<__m256i*>(tile.sign[static_cast<size_t>(b * 8 + k)].b), v);
      }
    }
    std::memcpy(tile.d[static_cast<size_t>(b)].f, d, sizeof d);
  }
}

// Activation rows quantized to Q8_0 for the int8 GEMM, with float scales and,
// per block, 8·(sum of each 4-byte group) for the unsigned-nibble correction.
struct QuantizedRows {
  std::vector<BlockQ8_0> q;
  std::vector<float> d;
  std::vector<int32_t> corr;  // [row][block][k = 0..7]
};

void quantize_rows(const float* x, int64_t n, int64_t in, QuantizedRows& out, ThreadPool& pool) {
  const int64_t blocks = in / kQuantBlock;
  out.q.resize(static_cast<size_t>(n * blocks));
  out.d.resize(out.q.size());
  out.corr.resize(out.q.size() * 8);
  pool.parallel_for(n, 1, [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      BlockQ8_0* q = out.q.data() + t * blocks;
      quantize_row_q8_0(x + t * in, q, in);
      for (int64_t b = 0; b < blocks; ++b) {
        const size_t i = static_cast<size_t>(t * blocks + b);
        out.d[i] = half_to_float(q[b].d);
        for (int k = 0; k < 8; ++k)
          out.corr[i * 8 + k] = 8 * (q[b].q[4 * k] + q[b].q[4 * k + 1] + q[b].q[4 * k + 2] + q[b].q[4 * k + 3]);
      }
    }
  });
}

// y[t·ldy + 0..rows) for activation row t.
template <DType T>
inline void tile_times_row(const QTile& tile, int64_t blocks, const QuantizedRows& x, int64_t t, float* y,
                              int64_t ldy, int64_t rows) {
  const __m256i ones = _mm256_set1_epi16(1);
  __m256 acc[8];
  for (int k = 0; k < 8; ++k) acc[k] = _mm256_setzero_ps();
  const BlockQ8_0* xq = x.q.data() + t * blocks;
  const float* xd = x.d.data() + t * blocks;
  const int32_t* corr = x.corr.data() + t * blocks * 8;
  for (int64_t b = 0; b < blocks; ++b) {
    const __m256 d = _mm256_mul_ps(_mm256_load_ps(tile.d[static_cast<size_t>(b)].f), _mm256_set1_ps(xd[b]));
    const __m256i* u = tile.u_at(b);
    const __m256i* sg = T == DType::Q8_0 ? tile.sign_at(b) : nullptr;
    for (int k = 0; k < 8; ++k) {
      int32_t four;
      std::memcpy(&four, xq[b].q + 4 * k, 4);
      const __m256i xk = _mm256_set1_epi32(four);
      __m256i lane;
      if constexpr (T == DType::Q4_0)
        lane = _mm256_sub_epi32(_mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_load_si256(u + k), xk), ones),
                                _mm256_set1_epi32(corr[b * 8 + k]));
      else  // |q| times x with q's sign: pairs reach at most 2·128·127 < 2^15
        lane = _mm256_madd_epi16(
            _mm256_maddubs_epi16(_mm256_load_si256(u + k), _mm256_sign_epi8(xk, _mm256_load_si256(sg + k))), ones);
      acc[k] = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(lane), acc[k]);
    }
  }
  // hsum's order, for 8 rows at once.
  __m256 s[4];
  for (int i = 0; i < 4; ++i) s[i] = _mm256_add_ps(acc[i], acc[i + 4]);
  const __m256 sum = _mm256_add_ps(_mm256_add_ps(s[0], s[2]), _mm256_add_ps(s[1], s[3]));
  float* out = y + t * ldy;
  if (rows == 8) {
    _mm256_storeu_ps(out, sum);
  } else {
    alignas(32) float tmp[8];
    _mm256_store_ps(tmp, sum);
    for (int64_t r = 0; r < rows; ++r) out[r] = tmp[r];
  }
}

template <DType T>
void gemm_quant(const TensorView& w, const float* x_in, int64_t n, float* y, ThreadPool& pool) {
  const int64_t in = w.cols(), out = w.rows(), blocks = in / kQuantBlock;
  thread_local QuantizedRows xq;
  quantize_rows(x_in, n, in, xq, pool);
  const QuantizedRows& x = xq;  // workers read the caller's copy
  pool.parallel_for(out, 8, [&](int64_t begin, int64_t end) {
    thread_local QTile tile;
    for (int64_t r0 = begin; r0 < end; r0 += 8) {
      const int64_t rows = std::min<int64_t>(8, end - r0);
      repack_rows<T>(w, r0, rows, blocks, tile);
      for (int64_t t = 0; t < n; ++t) tile_times_row<T>(tile, blocks, x, t, y + r0, out, rows);
    }
  });
}

const MatMulKernel kKernels[] = {
    {DType::F32, gemv_f32, gemm_f32},
    {DType::F16, gemv_f16, gemm_dequantized},
    {DType::BF16, gemv_bf16, gemm_dequantized},
    {DType::Q8_0, gemv_q8_0, gemm_quant<DType::Q8_0>},
    {DType::Q4_0, gemv_q4_0, gemm_quant<DType::Q4_0>},
};

}  // namespace

const MatMulKernel& matmul_kernel_for(const TensorView& w) {
  // The pool does the threading; OpenBLAS runs on whichever thread calls it.
  static const bool single_threaded_blas = (openblas_set_num_threads(1), true);
  (void)single_threaded_blas;
  if (w.shape.size() != 2)
    throw std::invalid_argument("matmul: weight '" + w.name + "' is not a matrix");
  const auto info = dtype_info(w.dtype);
  if (w.cols() % info.block_elems != 0)
    throw std::invalid_argument("matmul: weight '" + w.name + "' has rows of " + std::to_string(w.cols()) +
                                " elements, not a multiple of the " + std::string(info.name) + " block");
  for (const MatMulKernel& k : kKernels)
    if (k.weight_type == w.dtype) return k;
  throw std::invalid_argument("matmul: no kernel for " + std::string(info.name) + " weights ('" + w.name + "')");
}

}  // namespace reach::run
