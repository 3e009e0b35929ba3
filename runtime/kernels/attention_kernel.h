#pragma once
// The attention's kernels (kernels/attention.h), written once over a vector
// of V::kLanes floats and compiled per instruction set (attention_avx2.cpp,
// attention_avx512.cpp). Every score is one chain of FMAs over the head's
// dimensions in order, every output element one chain over the positions in
// order, each in a lane of its own: so every variant gives the same bits,
// and prefill (tokens in tiles) gives decode's.
//
// V: the vector (F, kLanes, Mask, zero, set1, fmadd, mul, lanes_below,
// load/store of floats and loads of F16 halves, whole or masked, and
// exp_shifted: ops.h's, in V's width).
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "kernels/attention.h"
#include "kernels/prefetch_ahead.h"

namespace reach::run::attention_kernel {

struct Job {
  const float* q;
  int64_t n_tokens, pos0;
  const void* k;
  const void* v;
  KVLayout layout;
  AttentionShape shape;
  float* out;
  // How far ahead of its reads each KV head's stream is prefetched: the
  // CPU's distances for a weight stream (kernels/cpu_features.h), one
  // prefetch per line read.
  Ahead ahead;
};

// No prefetch: the calls that read lines another call has prefetched.
constexpr Ahead kNoPrefetch{0, 0, false};
inline bool prefetches(Ahead ahead) { return ahead.l1 != 0 || ahead.l2 != 0; }
// fn.operator()<true>() where `ahead` prefetches, <false>() where it does
// not: the test is made once, outside the loops the template compiles.
template <class Fn>
void with_prefetch(Ahead ahead, const Fn& fn) {
  if (prefetches(ahead)) fn.template operator()<true>();
  else fn.template operator()<false>();
}

// Query tokens that share each pass over a KV head's keys and values: the
// head is read from the cache once per tile of tokens, not once per token.
constexpr int64_t kTokenTile = 8;
// Key tiles a pass over the scores takes: 64 positions, 16 KiB of F32 keys
// at head_dim 64, which stay in L1 while every row and head of a tile of
// tokens passes over them.
//
// Decode finds the cache in memory (the token's weights have streamed
// through every cache since this layer last ran), so its single-token tiles
// prefetch each line of keys and values as they read it (Job::ahead: one
// prefetch per line, among the FMAs). Zen 5, BM_AttentionOneTokenFromMemory,
// 2 threads, three interleaved rounds, against bursts of a pass at once
// (keys two passes ahead into L1, the values into L2 while the keys were
// scored, which held the FMAs up until the bursts' lines came), µs: 2048
// positions F32 152-169 -> 109-126, F16 124-132 -> 72-80; 512 positions
// F32 37-42 -> 30-32, F16 33-34 -> 21-24 (prefetchnta 6 KiB ahead, the
// weights' distance there).
constexpr int64_t kKeyTilesPerPass = 4;
// Positions per pass of the weighted sums: each pass loads and stores its
// accumulators once (BM_AttentionPrompt pp2048, one thread, AVX2: 32
// positions 386 ms, 64 356 ms, 128 351 ms).
constexpr int64_t kValueBatch = 64;

// One query token of a tile, for one KV head: its `group` query heads (at q,
// head_dim apart), its output rows (likewise), its attention weights
// [group][w_stride], of which the first n_pos are the positions it sees, and
// each head's 1 / Σ weights (exp_shifted's).
struct TileRow {
  const float* q;
  float* out;
  float* weights;
  float* inv_sums;
  int64_t n_pos, w_stride;
};

// Scores of H query heads (at q, hd apart) against B neighbouring key tiles
// (at kt): weights[h][b · kKeyTile + j] = scale · Σ_c q_h[c] · k[c][j], the
// dimensions c in order. H · B · kKeyTile / kLanes independent chains (the
// variant's kScoreChains, what its registers hold beside the keys): enough
// to keep the FMA units busy, and each broadcast of q_h[c] serves B tiles.
// Prefetch: whether `ahead` is used (a template argument, so that the calls
// that do not prefetch carry no check in their loop).
template <class V, class E, int H, int B, bool Prefetch>
void score_tiles(const float* q, int32_t hd, const E* kt, float scale, float* weights, int64_t w_stride, Ahead ahead) {
  constexpr int kPerTile = static_cast<int>(kKeyTile / V::kLanes);
  typename V::F acc[H][B * kPerTile];
  for (auto& head : acc)
    for (auto& a : head) a = V::zero();
  const int64_t tile = kKeyTile * hd;
  for (int32_t c = 0; c < hd; ++c) {
    typename V::F keys[B * kPerTile];
    for (int b = 0; b < B; ++b)
      for (int i = 0; i < kPerTile; ++i) keys[b * kPerTile + i] = V::load(kt + b * tile + c * kKeyTile + i * V::kLanes);
    // A tile's dimension c starts a line: for F32 every c, for F16 every other.
    if (Prefetch && c * kKeyTile * sizeof(E) % 64 == 0)
      for (int b = 0; b < B; ++b)
        prefetch_lines_ahead(reinterpret_cast<const char*>(kt + b * tile + c * kKeyTile), ahead);
    for (int h = 0; h < H; ++h) {
      const typename V::F qc = V::set1(q[h * hd + c]);
      for (int i = 0; i < B * kPerTile; ++i) acc[h][i] = V::fmadd(qc, keys[i], acc[h][i]);
    }
  }
  for (int h = 0; h < H; ++h)
    for (int i = 0; i < B * kPerTile; ++i) V::store(weights + h * w_stride + i * V::kLanes, V::mul(acc[h][i], V::set1(scale)));
}

// Key tiles [j0, j1) of H heads from h0 of one row: B tiles a call, the rest
// one by one.
template <class V, class E, int H>
void score_heads(const TileRow& row, int32_t h0, int32_t hd, const E* k, int64_t j0, int64_t j1, float scale,
                 Ahead ahead) {
  constexpr int kPerTile = static_cast<int>(kKeyTile / V::kLanes);
  constexpr int B = std::clamp(V::kScoreChains / (H * kPerTile), 1, static_cast<int>(kKeyTilesPerPass));
  const float* q = row.q + int64_t{h0} * hd;
  float* w = row.weights + h0 * row.w_stride;
  const auto tiles = [&]<bool Prefetch>() {
    int64_t j = j0;
    for (; j + B <= j1; j += B)
      score_tiles<V, E, H, B, Prefetch>(q, hd, k + j * kKeyTile * hd, scale, w + j * kKeyTile, row.w_stride, ahead);
    for (; j < j1; ++j)
      score_tiles<V, E, H, 1, Prefetch>(q, hd, k + j * kKeyTile * hd, scale, w + j * kKeyTile, row.w_stride, ahead);
  };
  with_prefetch(ahead, tiles);
}

// H a run-time count (1 .. V::kMaxScoreHeads) to the template above.
template <class V, class E, int H = 1>
void score_some_heads(int32_t heads, const TileRow& row, int32_t h0, int32_t hd, const E* k, int64_t j0, int64_t j1,
                      float scale, Ahead ahead) {
  if constexpr (H < V::kMaxScoreHeads) {
    if (heads != H) return score_some_heads<V, E, H + 1>(heads, row, h0, hd, k, j0, j1, scale, ahead);
  }
  score_heads<V, E, H>(row, h0, hd, k, j0, j1, scale, ahead);
}

// weights[h][p] = q_h · k_p · scale for every row of the tile, h < group
// and p < its n_pos (a row's last tile is computed whole: its weights row
// has room, and the positions past n_pos are never read). The first heads
// prefetch the keys as `ahead` says.
template <class V, class E>
void scores(const TileRow* rows, int64_t n_rows, int32_t group, const E* k, int32_t hd, float scale, Ahead ahead) {
  const int64_t most = KVLayout::tiles(rows[n_rows - 1].n_pos);  // rows are in token order: the last sees the most
  for (int64_t j0 = 0; j0 < most; j0 += kKeyTilesPerPass) {
    const int64_t j1 = std::min(most, j0 + kKeyTilesPerPass);
    for (const TileRow* row = rows; row != rows + n_rows; ++row) {
      const int64_t row_j1 = std::min(j1, KVLayout::tiles(row->n_pos));
      if (j0 >= row_j1) continue;
      for (int32_t h = 0; h < group; h += V::kMaxScoreHeads)
        score_some_heads<V, E>(std::min(group - h, V::kMaxScoreHeads), *row, h, hd, k, j0, row_j1, scale,
                               h == 0 ? ahead : kNoPrefetch);
    }
  }
}

// For H heads h0.. of one row: out_h += Σ_{p0 <= p < p1} weights[h][p] · v_p,
// 4 vectors of dimensions per pass. Each output element adds its positions
// in order, one FMA per position, so each accumulator is a chain that waits
// on the FMA's latency: H heads of 4 vectors are 4H chains, as many as the
// variant's registers hold beside the values (AVX2 three heads, BM_AttentionPrompt
// one thread, pp2048 shape: 436 -> 393 ms against one; two no faster than one).
template <class V, class E, int H, bool Prefetch>
void weighted_sums_of_heads(const TileRow& row, int32_t h0, int64_t p0, int64_t p1, const E* v, int32_t hd,
                            Ahead ahead) {
  constexpr int64_t kLineElements = 64 / sizeof(E);
  constexpr int kVectors = 4;
  const float* w[H];
  for (int h = 0; h < H; ++h) w[h] = row.weights + (h0 + h) * row.w_stride;
  const auto out = [&](int h, int32_t c) { return row.out + int64_t{h0 + h} * hd + c; };
  for (int32_t c0 = 0; c0 < hd; c0 += kVectors * V::kLanes) {
    typename V::Mask mask[kVectors];
    for (int i = 0; i < kVectors; ++i) mask[i] = V::lanes_below(hd - c0 - i * V::kLanes);
    const bool whole = hd - c0 >= kVectors * V::kLanes;  // plain loads: a masked one costs an extra uop
    typename V::F acc[H][kVectors];
    for (int h = 0; h < H; ++h)
      for (int i = 0; i < kVectors; ++i) acc[h][i] = V::load(out(h, c0 + i * V::kLanes), mask[i], whole);
    for (int64_t p = p0; p < p1; ++p) {
      const E* vp = v + p * hd + c0;
      if constexpr (Prefetch)
        for (int64_t e = 0; e < kVectors * V::kLanes; e += kLineElements)
          prefetch_lines_ahead(reinterpret_cast<const char*>(vp + e), ahead);
      typename V::F vv[kVectors];
      for (int i = 0; i < kVectors; ++i) vv[i] = V::load(vp + i * V::kLanes, mask[i], whole);
      for (int h = 0; h < H; ++h) {
        const typename V::F wh = V::set1(w[h][p]);
        for (int i = 0; i < kVectors; ++i) acc[h][i] = V::fmadd(wh, vv[i], acc[h][i]);
      }
    }
    for (int h = 0; h < H; ++h)
      for (int i = 0; i < kVectors; ++i) V::store(out(h, c0 + i * V::kLanes), mask[i], acc[h][i]);
  }
}

// out_h = (Σ_p weights[h][p] · v_p) · inv_sums[h] for every row of the tile
// and its heads, in batches of positions taken in order, the sums kept in
// out between batches (a batch's values stay in L1 while every row and head
// passes). The first heads prefetch the values as `ahead` says.
template <class V, class E>
void weighted_sums(const TileRow* rows, int64_t n_rows, int32_t group, const E* v, int32_t hd, Ahead ahead) {
  constexpr int32_t kHeads = V::kSumHeads;
  for (const TileRow* row = rows; row != rows + n_rows; ++row) std::fill(row->out, row->out + int64_t{group} * hd, 0.0f);
  const int64_t most = rows[n_rows - 1].n_pos;
  for (int64_t p0 = 0; p0 < most; p0 += kValueBatch)
    for (const TileRow* row = rows; row != rows + n_rows; ++row) {
      if (p0 >= row->n_pos) continue;
      const int64_t p1 = std::min(row->n_pos, p0 + kValueBatch);
      int32_t h = 0;  // kHeads at a time, then what is left one by one
      const auto sums = [&]<int Heads>(int32_t h) {
        const Ahead here = h == 0 ? ahead : kNoPrefetch;
        with_prefetch(here, [&]<bool Prefetch>() {
          weighted_sums_of_heads<V, E, Heads, Prefetch>(*row, h, p0, p1, v, hd, here);
        });
      };
      for (; h + kHeads <= group; h += kHeads) sums.template operator()<kHeads>(h);
      for (; h < group; ++h) sums.template operator()<1>(h);
    }
  for (const TileRow* row = rows; row != rows + n_rows; ++row)
    for (int32_t h = 0; h < group; ++h)
      for (float* o = row->out + int64_t{h} * hd; o != row->out + int64_t{h + 1} * hd; ++o) *o *= row->inv_sums[h];
}

// Tasks [begin, end) of attention(): one per (tile of tokens, KV head), the
// query heads that share the KV head for each token of the tile.
template <class V, class E>
void run_tasks(const Job& job, int64_t begin, int64_t end) {
  const AttentionShape& s = job.shape;
  const int32_t hd = s.head_dim, group = s.n_heads / s.n_kv_heads;
  const int64_t q_stride = int64_t{s.n_heads} * hd;
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
  const int64_t w_stride = KVLayout::whole_tiles(job.pos0 + job.n_tokens);
  thread_local std::vector<float> weights;  // each row's [group][w_stride], one after another
  weights.resize(static_cast<size_t>(kTokenTile * group * w_stride));
  thread_local std::vector<float> inv_sums;  // each row's [group]
  inv_sums.resize(static_cast<size_t>(kTokenTile * group));
  for (int64_t task = begin; task < end; ++task) {
    const int64_t t0 = task / s.n_kv_heads * kTokenTile, kv_head = task % s.n_kv_heads;
    TileRow rows[kTokenTile];
    const int64_t n_rows = std::min(kTokenTile, job.n_tokens - t0);
    for (int64_t i = 0; i < n_rows; ++i) {
      const int64_t heads_off = (t0 + i) * q_stride + kv_head * group * hd;  // the group's first query head
      rows[i] = {job.q + heads_off, job.out + heads_off, weights.data() + i * group * w_stride,
                 inv_sums.data() + i * group, job.pos0 + t0 + i + 1, w_stride};
    }
    const E* k = static_cast<const E*>(job.k) + kv_head * job.layout.head_elements(hd);
    const E* v = static_cast<const E*>(job.v) + kv_head * job.layout.head_elements(hd);
    // Decode prefetches (kKeyTilesPerPass); a prefill's tile reads the keys
    // and values it shares from cache (the AVX2 variant's prefill lost
    // 15-20% prefetching them).
    const Ahead ahead = n_rows == 1 ? job.ahead : kNoPrefetch;
    scores<V, E>(rows, n_rows, group, k, hd, scale, ahead);
    for (int64_t i = 0; i < n_rows; ++i)
      for (int32_t h = 0; h < group; ++h)
        rows[i].inv_sums[h] = V::exp_shifted(rows[i].weights + h * w_stride, rows[i].n_pos);
    weighted_sums<V, E>(rows, n_rows, group, v, hd, ahead);
  }
}

template <class V>
void run_tasks(const Job& job, int64_t begin, int64_t end) {
  if (job.layout.type == DType::F16) run_tasks<V, uint16_t>(job, begin, end);
  else run_tasks<V, float>(job, begin, end);
}

}  // namespace reach::run::attention_kernel

// The variants, one per instruction set, each this file's run_tasks<V>.
namespace reach::run::attention_avx2 {
void run_tasks(const attention_kernel::Job& job, int64_t begin, int64_t end);
}
namespace reach::run::attention_avx512 {
void run_tasks(const attention_kernel::Job& job, int64_t begin, int64_t end);
}
