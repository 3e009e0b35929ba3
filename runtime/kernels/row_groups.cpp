#include "kernels/row_groups.h"

#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace reach::run::row_groups {

namespace {

constexpr int64_t kTokensPerPass = 4;  // prefill: activation rows per pass over a group's weights
// Every 64-byte line of a group is prefetched twice, just before the loads
// of the line itself: into L1 kPrefetchBytes ahead and into L2
// kL2PrefetchBytes ahead. Measured on decode (reach-run bench -p 0 -n 64,
// TinyLlama shape, 2 threads; against the same binary with the distances
// before, 1536 and 3072 issued as a burst per superblock): Q4_0 52.9 ->
// 57.5 t/s, Q8_0 29.8 -> 32.3 t/s. From memory (a harness walking 1 GiB of
// Q4_0 groups, 2 threads, GB/s) 2048/4096 34.7, 2048/5120 34.8, 2560/5120
// 35.0, 1536/3072 33.4, 2560/4096 34.0, 2048/6144 32.7, 1536 with no L2
// prefetch 31.6. An L1 prefetch exactly 4 KiB ahead shares an L1 set with
// the load it serves and halves the speed.
constexpr int64_t kPrefetchBytes = 2048;
constexpr int64_t kL2PrefetchBytes = 5120;

// Blocks whose scales share one cache line (from memory, 2 threads: 8
// blocks measured Q8_0 / Q4_0 29 / 29 GiB/s, 4 blocks 32 / 30.5, 2 blocks 32.4 / 30).
constexpr int64_t kSuperblock = 4;

// The quants of one block of a group's 8 rows.
constexpr int64_t quant_bytes(DType type) { return type == DType::Q4_0 ? 128 : 256; }

// Where block b of a group lives (row_groups.h): superblocks of 64 bytes of
// scales, then those blocks' quants.
struct GroupLayout {
  int64_t quant_bytes;
  explicit GroupLayout(DType type) : quant_bytes(row_groups::quant_bytes(type)) {}
  int64_t superblock(int64_t b) const { return b / kSuperblock * (64 + kSuperblock * quant_bytes); }
  int64_t scales(int64_t b) const { return superblock(b) + 16 * (b % kSuperblock); }
  int64_t quants(int64_t b) const { return superblock(b) + 64 + quant_bytes * (b % kSuperblock); }
  int64_t group_bytes(int64_t blocks) const {
    const int64_t tail = blocks % kSuperblock;
    return superblock(blocks) + (tail ? 64 + tail * quant_bytes : 0);
  }
};

size_t group_bytes(DType type, int64_t blocks) {
  return static_cast<size_t>(GroupLayout(type).group_bytes(blocks));
}

int64_t group_count(int64_t rows) { return (rows + kRows - 1) / kRows; }

// n activation rows quantized to Q8_0 as the kernels read them.
struct Activations {
  std::vector<BlockQ8_0> q;    // [n][blocks]
  std::vector<float> d;        // [n][blocks] q's scales as floats
  std::vector<int32_t> sum8;   // [n][blocks] 8·Σq: what Q4_0's unsigned nibbles add
};

void quantize(const float* x, int64_t n, int64_t cols, Activations& out, ThreadPool& pool) {
  const int64_t blocks = cols / kQuantBlock;
  out.q.resize(static_cast<size_t>(n * blocks));
  out.d.resize(out.q.size());
  out.sum8.resize(out.q.size());
  const auto rows = [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      BlockQ8_0* q = out.q.data() + t * blocks;
      int32_t* sum8 = out.sum8.data() + t * blocks;
      quantize_row_q8_0(x + t * cols, q, cols, sum8);
      for (int64_t b = 0; b < blocks; ++b) {
        out.d[static_cast<size_t>(t * blocks + b)] = f16_to_f32(q[b].d);
        sum8[b] *= 8;
      }
    }
  };
  if (n == 1) rows(0, 1);  // decode: ~2 µs of work, less than waking the pool
  else pool.parallel_for(n, 1, rows);
}

// Four activation quants as one 32-bit value in every lane.
inline __m256i broadcast4(const int8_t* q) {
  int32_t v;
  std::memcpy(&v, q, 4);
  return _mm256_set1_epi32(v);
}

// Prefetches run ahead of the stream and past its end at the last lines.
// The address is computed as an integer: a pointer formed beyond its buffer
// is undefined behaviour even if never dereferenced (a prefetch never faults).
inline const char* ahead_of(const char* line, int64_t bytes) {
  return reinterpret_cast<const char*>(reinterpret_cast<uintptr_t>(line) + static_cast<uintptr_t>(bytes));
}
inline void prefetch_lines_ahead(const char* line) {
  _mm_prefetch(ahead_of(line, kPrefetchBytes), _MM_HINT_T0);
  _mm_prefetch(ahead_of(line, kL2PrefetchBytes), _MM_HINT_T1);
}

// The products of one block's quants (64-byte lines at `line`) with activation
// rows' quants xq[t], as exact int32 sums per row in dot[t] (Q4_0: |nibble ·
// x| pairs ≤ 3840, eight per lane ≤ 30720 fit int16 before widening; Q8_0:
// |w| · x pairs ≤ 32512 fit int16 and are widened at once). Each line's
// prefetches go just before its loads.
template <DType Type, int T>
inline void block_dots(const char* line, const int8_t* const* xq, __m256i* dot) {
  constexpr int kLines = quant_bytes(Type) / 64;
  const __m256i low4 = _mm256_set1_epi8(0x0F), ones = _mm256_set1_epi16(1);
  __m256i sum16[T];
  for (int t = 0; t < T; ++t) sum16[t] = _mm256_setzero_si256();
  for (int l = 0; l < kLines; ++l, line += 64) {
    prefetch_lines_ahead(line);
    for (int half = 0; half < 2; ++half) {
      const int v = 2 * l + half;  // quant vector of the block
      const __m256i w = _mm256_load_si256(reinterpret_cast<const __m256i*>(line) + half);
      if constexpr (Type == DType::Q4_0) {
        // Low nibbles are elements 4v..4v+3 of each row, high ones 16+4v..16+4v+3.
        const __m256i lo = _mm256_and_si256(w, low4);
        const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(w, 4), low4);
        for (int t = 0; t < T; ++t)
          sum16[t] = _mm256_add_epi16(sum16[t], _mm256_add_epi16(_mm256_maddubs_epi16(lo, broadcast4(xq[t] + 4 * v)),
                                                                 _mm256_maddubs_epi16(hi, broadcast4(xq[t] + 16 + 4 * v))));
      } else {
        // maddubs wants an unsigned operand: |w| times x with w's sign.
        const __m256i abs_w = _mm256_sign_epi8(w, w);
        for (int t = 0; t < T; ++t)
          dot[t] = _mm256_add_epi32(
              dot[t], _mm256_madd_epi16(_mm256_maddubs_epi16(abs_w, _mm256_sign_epi8(broadcast4(xq[t] + 4 * v), w)),
                                        ones));
      }
    }
  }
  if constexpr (Type == DType::Q4_0)
    for (int t = 0; t < T; ++t) dot[t] = _mm256_madd_epi16(sum16[t], ones);
}

// The eight rows of one group times activation rows t0..t0+T-1; writes
// y[(t0 + t) * ldy + r] for the group's `rows` real rows. The group is read
// front to back as one stream, line by line.
template <DType Type, int T>
void group_times_rows(const std::byte* group, int64_t blocks, const Activations& x, int64_t t0, float* y,
                      int64_t ldy, int64_t rows) {
  constexpr int64_t kQuantBytes = quant_bytes(Type);
  __m256 acc[T];
  for (int t = 0; t < T; ++t) acc[t] = _mm256_setzero_ps();
  const char* line = reinterpret_cast<const char*>(group);
  for (int64_t b0 = 0; b0 < blocks; b0 += kSuperblock) {
    const int64_t here = std::min(kSuperblock, blocks - b0);
    // The superblock's line of scales, prefetched like every line.
    const auto* scales = reinterpret_cast<const __m128i*>(line);
    prefetch_lines_ahead(line);
    line += 64;
    for (int64_t j = 0; j < here; ++j, line += kQuantBytes) {
      const int64_t b = b0 + j;
      const int8_t* xq[T];
      for (int t = 0; t < T; ++t) xq[t] = x.q[static_cast<size_t>((t0 + t) * blocks + b)].q;
      __m256i dot[T];
      for (int t = 0; t < T; ++t) dot[t] = _mm256_setzero_si256();
      block_dots<Type, T>(line, xq, dot);
      const __m256 d_w = _mm256_cvtph_ps(_mm_load_si128(scales + j));
      for (int t = 0; t < T; ++t) {
        const auto i = static_cast<size_t>((t0 + t) * blocks + b);
        __m256i s = dot[t];
        if constexpr (Type == DType::Q4_0)  // nibbles are q + 8
          s = _mm256_sub_epi32(s, _mm256_set1_epi32(x.sum8[i]));
        acc[t] = _mm256_fmadd_ps(_mm256_mul_ps(d_w, _mm256_set1_ps(x.d[i])), _mm256_cvtepi32_ps(s), acc[t]);
      }
    }
  }
  for (int t = 0; t < T; ++t) {
    float* out = y + (t0 + t) * ldy;
    if (rows == kRows) {
      _mm256_storeu_ps(out, acc[t]);
    } else {
      alignas(32) float lanes[kRows];
      _mm256_store_ps(lanes, acc[t]);
      std::copy(lanes, lanes + rows, out);
    }
  }
}

// W's row groups times the quantized rows of X, as one pool job.
template <DType Type>
void multiply_groups(const std::byte* packed, int64_t rows, int64_t cols, const Activations& x, int64_t n, float* y,
                     ThreadPool& pool) {
  const int64_t blocks = cols / kQuantBlock;
  const size_t stride = group_bytes(Type, blocks);
  pool.parallel_for(group_count(rows), 1, [&](int64_t g0, int64_t g1) {
    for (int64_t g = g0; g < g1; ++g) {
      const std::byte* group = packed + static_cast<size_t>(g) * stride;
      const int64_t here = std::min(kRows, rows - g * kRows);
      float* yg = y + g * kRows;
      int64_t t = 0;
      for (; t + kTokensPerPass <= n; t += kTokensPerPass)
        group_times_rows<Type, kTokensPerPass>(group, blocks, x, t, yg, rows, here);
      for (; t < n; ++t) group_times_rows<Type, 1>(group, blocks, x, t, yg, rows, here);
    }
  });
}

}  // namespace

size_t packed_bytes(const TensorView& w) {
  return static_cast<size_t>(group_count(w.rows())) * group_bytes(w.dtype, w.cols() / kQuantBlock);
}

void pack(const TensorView& w, std::byte* out, ThreadPool& pool) {
  const int64_t blocks = w.cols() / kQuantBlock, rows = w.rows();
  const bool q4 = w.dtype == DType::Q4_0;
  const int64_t vectors = quant_bytes(w.dtype) / (kRows * 4);  // 4-byte pieces per row and block
  const GroupLayout layout(w.dtype);
  const size_t stride = group_bytes(w.dtype, blocks), row_bytes = w.row_bytes();
  pool.parallel_for(group_count(rows), 1, [&](int64_t g0, int64_t g1) {
    for (int64_t g = g0; g < g1; ++g) {
      std::byte* group = out + static_cast<size_t>(g) * stride;
      std::memset(group, 0, stride);  // missing rows: zero quants, scale 0
      for (int64_t r = 0; r < kRows && g * kRows + r < rows; ++r) {
        const std::byte* row = w.data + static_cast<size_t>(g * kRows + r) * row_bytes;
        for (int64_t b = 0; b < blocks; ++b) {
          uint16_t d;
          const uint8_t* q;
          if (q4) {
            const auto& blk = reinterpret_cast<const BlockQ4_0*>(row)[b];
            d = blk.d;
            q = blk.q;
          } else {
            const auto& blk = reinterpret_cast<const BlockQ8_0*>(row)[b];
            d = blk.d;
            q = reinterpret_cast<const uint8_t*>(blk.q);
          }
          for (int64_t v = 0; v < vectors; ++v)
            std::memcpy(group + layout.quants(b) + (v * kRows + r) * 4, q + 4 * v, 4);
          std::memcpy(group + layout.scales(b) + 2 * r, &d, 2);
        }
      }
    }
  });
}

void multiply(DType type, const std::byte* packed, int64_t rows, int64_t cols, const float* x, int64_t n, float* y,
              ThreadPool& pool) {
  thread_local Activations quantized;
  quantize(x, n, cols, quantized, pool);
  const Activations& xq = quantized;  // workers read the caller's copy
  if (type == DType::Q4_0) multiply_groups<DType::Q4_0>(packed, rows, cols, xq, n, y, pool);
  else multiply_groups<DType::Q8_0>(packed, rows, cols, xq, n, y, pool);
}

}  // namespace reach::run::row_groups
