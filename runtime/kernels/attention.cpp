#include "kernels/attention.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/ops.h"
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
// stay in L1 while every query head of their KV head passes over them: a
// KV head is read from the cache once per token, not once per query head.
constexpr int64_t kScoreBatch = 8;   // positions: one accumulator each
constexpr int64_t kValueBatch = 32;  // positions: 8 KiB of V at head_dim 64

// weights[h][p] = q_h · k_p · scale for the `group` query heads at q (head_dim
// apart) and positions [0, n_pos), k_p = k + p·stride; weights rows are
// n_pos long. A short last batch repeats its last position in the unused
// accumulators.
void scores(const float* q, int32_t group, const float* k, int64_t stride, int64_t n_pos, int32_t hd, float scale,
            float* weights) {
  const __m256i tail = lanes_below(hd % 8);
  for (int64_t p0 = 0; p0 < n_pos; p0 += kScoreBatch) {
    const float* kp[kScoreBatch];
    for (int j = 0; j < kScoreBatch; ++j) kp[j] = k + std::min(p0 + j, n_pos - 1) * stride;
    for (int32_t h = 0; h < group; ++h) {
      const float* qh = q + static_cast<int64_t>(h) * hd;
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
      alignas(32) float sums[kScoreBatch];
      _mm256_store_ps(sums, _mm256_mul_ps(lane_sums(acc), _mm256_set1_ps(scale)));
      std::copy(sums, sums + std::min(kScoreBatch, n_pos - p0), weights + h * n_pos + p0);
    }
  }
}

// out_h = Σ_p weights[h][p] · v_p for the group's heads (out rows head_dim
// apart), v_p = v + p·stride: 64 dimensions per pass, each 8 in a register.
void weighted_sums(const float* weights, int32_t group, const float* v, int64_t stride, int64_t n_pos, int32_t hd,
                   float* out) {
  for (int32_t h = 0; h < group; ++h) std::fill(out + static_cast<int64_t>(h) * hd, out + (h + 1LL) * hd, 0.0f);
  for (int64_t p0 = 0; p0 < n_pos; p0 += kValueBatch) {
    const int64_t p1 = std::min(n_pos, p0 + kValueBatch);
    for (int32_t h = 0; h < group; ++h)
      for (int32_t c0 = 0; c0 < hd; c0 += 64) {
        float* oh = out + static_cast<int64_t>(h) * hd + c0;
        __m256i mask[8];
        __m256 acc[8];
        for (int i = 0; i < 8; ++i) {
          mask[i] = lanes_below(hd - c0 - 8 * i);
          acc[i] = _mm256_maskload_ps(oh + 8 * i, mask[i]);
        }
        const bool whole = hd - c0 >= 64;  // plain loads: a masked one costs an extra uop
        for (int64_t p = p0; p < p1; ++p) {
          const __m256 w = _mm256_set1_ps(weights[h * n_pos + p]);
          const float* vp = v + p * stride + c0;
          for (int i = 0; i < 8; ++i)
            acc[i] = _mm256_fmadd_ps(w, whole ? _mm256_loadu_ps(vp + 8 * i) : _mm256_maskload_ps(vp + 8 * i, mask[i]),
                                     acc[i]);
        }
        for (int i = 0; i < 8; ++i) _mm256_maskstore_ps(oh + 8 * i, mask[i], acc[i]);
      }
  }
}

}  // namespace

void attention(const float* q, int64_t n_tokens, int64_t pos0, const float* k, const float* v, AttentionShape shape,
               float* out, ThreadPool& pool) {
  const int32_t hd = shape.head_dim;
  const int64_t q_stride = static_cast<int64_t>(shape.n_heads) * hd;
  const int64_t kv_stride = static_cast<int64_t>(shape.n_kv_heads) * hd;
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));

  // One task per (token, KV head): the query heads that share the KV head.
  const int32_t group = shape.n_heads / shape.n_kv_heads;
  pool.parallel_for(n_tokens * shape.n_kv_heads, 1, [&](int64_t begin, int64_t end) {
    thread_local std::vector<float> weights;  // [group][n_pos]
    weights.resize(static_cast<size_t>(group * (pos0 + n_tokens)));
    for (int64_t task = begin; task < end; ++task) {
      const int64_t t = task / shape.n_kv_heads;
      const int64_t kv_off = task % shape.n_kv_heads * hd;
      const int64_t n_pos = pos0 + t + 1;
      const int64_t heads_off = t * q_stride + kv_off * group;  // the group's first query head
      scores(q + heads_off, group, k + kv_off, kv_stride, n_pos, hd, scale, weights.data());
      for (int32_t h = 0; h < group; ++h) softmax(weights.data() + h * n_pos, n_pos);
      weighted_sums(weights.data(), group, v + kv_off, kv_stride, n_pos, hd, out + heads_off);
    }
  });
}

}  // namespace reach::run
