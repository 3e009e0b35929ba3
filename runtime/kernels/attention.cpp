#include "kernels/attention.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/ops.h"
#include "kernels/quant.h"
#include "kernels/simd.h"

namespace reach::run {

namespace {

using simd::lanes_below;

// The eight sums of acc[j]'s lanes, as one vector (lane j = Σ acc[j]).
__m256 lane_sums(const __m256* acc) {
  const __m256 a = _mm256_hadd_ps(_mm256_hadd_ps(acc[0], acc[1]), _mm256_hadd_ps(acc[2], acc[3]));
  const __m256 b = _mm256_hadd_ps(_mm256_hadd_ps(acc[4], acc[5]), _mm256_hadd_ps(acc[6], acc[7]));
  // a holds Σ acc[0..3] over lanes 0-3 in its low half and over lanes 4-7 in
  // its high half; b likewise for acc[4..7].
  return _mm256_add_ps(_mm256_permute2f128_ps(a, b, 0x20), _mm256_permute2f128_ps(a, b, 0x31));
}

// Positions are taken in batches small enough that a batch's K or V rows
// stay in L1 while every query head of their KV head, of every token of a
// tile, passes over them: a KV head is read from the cache once per tile
// of kTokenTile tokens, not once per query head and token. The tiling only
// changes which rows share a pass; each score and each output element is
// computed with the same operations in the same order as for one token
// alone, so prefill gives decode's bits.
constexpr int64_t kScoreBatch = 8;   // positions: one accumulator each
// Positions per pass of the weighted sums: each pass loads and stores its
// accumulators once (BM_AttentionPrompt pp2048, one thread: 32 positions
// 386 ms, 64 356 ms, 128 351 ms).
constexpr int64_t kValueBatch = 64;  // positions: 16 KiB of V at head_dim 64
constexpr int64_t kTokenTile = 8;    // query tokens sharing each K and V batch

// One query token of a tile, for one KV head: its `group` query heads (at q,
// head_dim apart), its output rows (likewise), and its attention weights
// [group][n_pos], n_pos = the positions it sees.
struct TileRow {
  const float* q;
  float* out;
  float* weights;
  int64_t n_pos;
};

// In decode the cache comes from memory (the token's weights have streamed
// through every cache since this layer last ran), and the attention's time
// was mostly waiting (BM_AttentionOneTokenFromMemory). So scores()
// prefetches the K rows kPrefetchPositions ahead of the batch it computes
// into L1, and the V rows of that batch, which weighted_sums() reads next,
// into L2. Zen 5, two threads, 128 / 512 / 2048 positions: laid out by
// position 25 / 101 / 440 µs without, 22 / 88 / 370 with; by KV head (the
// host cache's layout: one stream per head) 21-25 / 77-83 / 270-340 µs
// without, 15 / 54-60 / 227-238 with (16 or 64 positions ahead: the same).
constexpr int64_t kPrefetchPositions = 32;

// Every line of a position's head_dim floats at p, into L1 or L2.
enum class Into { l1, l2 };
template <Into Level>
void prefetch_row(const float* p, int32_t hd) {
  for (int32_t c = 0; c < hd; c += 16) {
    const char* line = reinterpret_cast<const char*>(p + c);
    if constexpr (Level == Into::l1) _mm_prefetch(line, _MM_HINT_T0);
    else _mm_prefetch(line, _MM_HINT_T1);
  }
}

// weights[h][p] = q_h · k_p · scale for every row of the tile, h < group and
// p < its n_pos, k_p = k + p·stride. A row's short last batch repeats its
// last position in the unused accumulators.
void scores(const TileRow* rows, int64_t n_rows, int32_t group, const float* k, const float* v, int64_t stride,
            int32_t hd, float scale) {
  const __m256i tail = lanes_below(hd % 8);
  const int64_t most = rows[n_rows - 1].n_pos;  // rows are in token order: the last sees the most
  for (int64_t p = 0; p < std::min(most, kPrefetchPositions); ++p) prefetch_row<Into::l1>(k + p * stride, hd);
  for (int64_t p0 = 0; p0 < most; p0 += kScoreBatch) {
    for (int64_t p = p0; p < std::min(most, p0 + kScoreBatch); ++p) {
      if (p + kPrefetchPositions < most) prefetch_row<Into::l1>(k + (p + kPrefetchPositions) * stride, hd);
      prefetch_row<Into::l2>(v + p * stride, hd);
    }
    for (const TileRow* row = rows; row != rows + n_rows; ++row) {
      const int64_t n_pos = row->n_pos;
      if (p0 >= n_pos) continue;
      const float* kp[kScoreBatch];
      for (int j = 0; j < kScoreBatch; ++j) kp[j] = k + std::min(p0 + j, n_pos - 1) * stride;
      for (int32_t h = 0; h < group; ++h) {
        const float* qh = row->q + static_cast<int64_t>(h) * hd;
        __m256 acc[kScoreBatch];
        for (auto& a : acc) a = _mm256_setzero_ps();
        int32_t c = 0;
        for (; c + 8 <= hd; c += 8) {
          const __m256 qc = _mm256_loadu_ps(qh + c);
          for (int j = 0; j < kScoreBatch; ++j) acc[j] = _mm256_fmadd_ps(qc, _mm256_loadu_ps(kp[j] + c), acc[j]);
        }
        if (c < hd) {
          const __m256 qc = _mm256_maskload_ps(qh + c, tail);
          for (int j = 0; j < kScoreBatch; ++j)
            acc[j] = _mm256_fmadd_ps(qc, _mm256_maskload_ps(kp[j] + c, tail), acc[j]);
        }
        const __m256 sums = _mm256_mul_ps(lane_sums(acc), _mm256_set1_ps(scale));
        float* to = row->weights + h * n_pos + p0;
        if (p0 + kScoreBatch <= n_pos) {  // a whole batch: stored as it is, not copied
          _mm256_storeu_ps(to, sums);
        } else {
          alignas(32) float lanes[kScoreBatch];
          _mm256_store_ps(lanes, sums);
          std::copy(lanes, lanes + (n_pos - p0), to);
        }
      }
    }
  }
}

// A vector of 8 floats at p; past the row's end (mask) zeros, and nothing
// is read there.
inline __m256 load8(const float* p, __m256i mask, bool whole) {
  return whole ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, mask);
}

// For H heads h0.. of one row: out_h += Σ_{p0 <= p < p1} weights[h][p] · v_p,
// 32 dimensions per pass. Each output element adds its positions in order,
// one FMA per position, so each accumulator is a chain that waits on the
// FMA's latency: one head's 64 dimensions (8 chains) ran at about one FMA
// per cycle of two. Three heads of 32 dimensions are 12 chains, as many as
// AVX2's 16 registers hold beside the weights (BM_AttentionPrompt, one
// thread, pp2048 shape: 436 -> 393 ms; two heads measured no faster than one).
template <int H>
void weighted_sums_of_heads(const TileRow& row, int32_t h0, int64_t p0, int64_t p1, const float* v, int64_t stride,
                            int32_t hd) {
  const float* w[H];
  for (int h = 0; h < H; ++h) w[h] = row.weights + static_cast<int64_t>(h0 + h) * row.n_pos;
  const auto out = [&](int h, int32_t c) { return row.out + static_cast<int64_t>(h0 + h) * hd + c; };
  for (int32_t c0 = 0; c0 < hd; c0 += 32) {
    __m256i mask[4];
    for (int i = 0; i < 4; ++i) mask[i] = lanes_below(hd - c0 - 8 * i);
    const bool whole = hd - c0 >= 32;  // plain loads: a masked one costs an extra uop
    __m256 acc[H][4];
    for (int h = 0; h < H; ++h)
      for (int i = 0; i < 4; ++i) acc[h][i] = load8(out(h, c0 + 8 * i), mask[i], whole);
    for (int64_t p = p0; p < p1; ++p) {
      const float* vp = v + p * stride + c0;
      __m256 vv[4];
      for (int i = 0; i < 4; ++i) vv[i] = load8(vp + 8 * i, mask[i], whole);
      for (int h = 0; h < H; ++h) {
        const __m256 wh = _mm256_set1_ps(w[h][p]);
        for (int i = 0; i < 4; ++i) acc[h][i] = _mm256_fmadd_ps(wh, vv[i], acc[h][i]);
      }
    }
    for (int h = 0; h < H; ++h)
      for (int i = 0; i < 4; ++i) _mm256_maskstore_ps(out(h, c0 + 8 * i), mask[i], acc[h][i]);
  }
}

// out_h = Σ_p weights[h][p] · v_p for every row of the tile and its heads,
// v_p = v + p·stride, in batches of positions taken in order, the sums kept
// in out between batches.
void weighted_sums(const TileRow* rows, int64_t n_rows, int32_t group, const float* v, int64_t stride, int32_t hd) {
  for (const TileRow* row = rows; row != rows + n_rows; ++row)
    std::fill(row->out, row->out + static_cast<int64_t>(group) * hd, 0.0f);
  const int64_t most = rows[n_rows - 1].n_pos;
  for (int64_t p0 = 0; p0 < most; p0 += kValueBatch)
    for (const TileRow* row = rows; row != rows + n_rows; ++row) {
      const int64_t n_pos = row->n_pos;
      if (p0 >= n_pos) continue;
      const int64_t p1 = std::min(n_pos, p0 + kValueBatch);
      int32_t h = 0;  // three heads at a time, then the one or two left
      for (; h + 3 <= group; h += 3) weighted_sums_of_heads<3>(*row, h, p0, p1, v, stride, hd);
      if (group - h == 2) weighted_sums_of_heads<2>(*row, h, p0, p1, v, stride, hd);
      if (group - h == 1) weighted_sums_of_heads<1>(*row, h, p0, p1, v, stride, hd);
    }
}

// An F16 cache's rows [0, n_pos) of one KV head (at p, stride elements
// apart) widened to F32 rows of hd in `to`: the F32 kernels above then read
// the values the halves hold, with the same operations as an F32 cache's.
void widen_rows(const uint16_t* p, int64_t stride, int64_t n_pos, int32_t hd, float* to) {
  for (int64_t i = 0; i < n_pos; ++i)
    dequantize_row(DType::F16, reinterpret_cast<const std::byte*>(p + i * stride), to + i * hd, hd);
}

}  // namespace

void attention(const float* q, int64_t n_tokens, int64_t pos0, const void* k, const void* v, KVLayout layout,
               AttentionShape shape, float* out, ThreadPool& pool) {
  if (layout.type != DType::F32 && layout.type != DType::F16)
    throw std::invalid_argument("attention: a KV cache of " + std::string(type_traits(layout.type).name) +
                                " (F32 and F16 are the types it reads)");
  const bool f16 = layout.type == DType::F16;
  const int32_t hd = shape.head_dim;
  const int64_t q_stride = static_cast<int64_t>(shape.n_heads) * hd;
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));

  // One task per (tile of tokens, KV head): the query heads that share the
  // KV head, for each token of the tile.
  const int32_t group = shape.n_heads / shape.n_kv_heads;
  const int64_t tiles = (n_tokens + kTokenTile - 1) / kTokenTile;
  pool.parallel_for(tiles * shape.n_kv_heads, 1, [&](int64_t begin, int64_t end) {
    thread_local std::vector<float> weights;  // each row's [group][n_pos], one after another
    weights.resize(static_cast<size_t>(kTokenTile * group * (pos0 + n_tokens)));
    thread_local std::vector<float> widened;  // an F16 head's K rows, then its V rows, as F32
    widened.resize(f16 ? static_cast<size_t>(2 * (pos0 + n_tokens) * hd) : 0);
    for (int64_t task = begin; task < end; ++task) {
      const int64_t t0 = task / shape.n_kv_heads * kTokenTile;
      const int64_t kv_head = task % shape.n_kv_heads;
      TileRow rows[kTokenTile];
      const int64_t n_rows = std::min(kTokenTile, n_tokens - t0);
      float* next_weights = weights.data();
      for (int64_t i = 0; i < n_rows; ++i) {
        const int64_t heads_off = (t0 + i) * q_stride + kv_head * group * hd;  // the group's first query head
        rows[i] = {q + heads_off, out + heads_off, next_weights, pos0 + t0 + i + 1};
        next_weights += group * rows[i].n_pos;
      }
      const int64_t n_pos = rows[n_rows - 1].n_pos;  // what the tile's last token sees
      const float* k_head = nullptr;
      const float* v_head = nullptr;
      int64_t stride = layout.pos_stride;
      if (!f16) {
        k_head = static_cast<const float*>(k) + kv_head * layout.head_stride;
        v_head = static_cast<const float*>(v) + kv_head * layout.head_stride;
      } else {
        widen_rows(static_cast<const uint16_t*>(k) + kv_head * layout.head_stride, stride, n_pos, hd, widened.data());
        widen_rows(static_cast<const uint16_t*>(v) + kv_head * layout.head_stride, stride, n_pos, hd,
                   widened.data() + n_pos * hd);
        k_head = widened.data();
        v_head = widened.data() + n_pos * hd;
        stride = hd;
      }
      scores(rows, n_rows, group, k_head, v_head, stride, hd, scale);
      for (int64_t i = 0; i < n_rows; ++i)
        for (int32_t h = 0; h < group; ++h) softmax(rows[i].weights + h * rows[i].n_pos, rows[i].n_pos);
      weighted_sums(rows, n_rows, group, v_head, stride, hd);
    }
  });
}

}  // namespace reach::run
