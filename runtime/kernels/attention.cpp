#include "kernels/attention.h"

#include <immintrin.h>

#include <cmath>
#include <vector>

#include "kernels/ops.h"

namespace reach::run {

namespace {

float dot(const float* a, const float* b, int32_t n) {
  __m256 acc = _mm256_setzero_ps();
  int32_t i = 0;
  for (; i + 8 <= n; i += 8) acc = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc);
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  float sum = _mm_cvtss_f32(s);
  for (; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

}  // namespace

void attention(const float* q, int64_t n_tokens, int64_t pos0, const float* k, const float* v, AttentionShape shape,
               float* out, ThreadPool& pool) {
  const int32_t hd = shape.head_dim;
  const int64_t q_stride = static_cast<int64_t>(shape.n_heads) * hd;
  const int64_t kv_stride = static_cast<int64_t>(shape.n_kv_heads) * hd;
  const int32_t group = shape.n_heads / shape.n_kv_heads;
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));

  // One task per (token, head) pair.
  pool.parallel_for(n_tokens * shape.n_heads, 1, [&](int64_t begin, int64_t end) {
    thread_local std::vector<float> scores;
    scores.resize(static_cast<size_t>(pos0 + n_tokens));
    for (int64_t task = begin; task < end; ++task) {
      const int64_t t = task / shape.n_heads;
      const int32_t h = static_cast<int32_t>(task % shape.n_heads);
      const int64_t kv_off = static_cast<int64_t>(h / group) * hd;
      const float* qh = q + t * q_stride + static_cast<int64_t>(h) * hd;
      const int64_t n_pos = pos0 + t + 1;
      for (int64_t p = 0; p < n_pos; ++p) scores[p] = dot(qh, k + p * kv_stride + kv_off, hd) * scale;
      softmax(scores.data(), n_pos);
      float* oh = out + t * q_stride + static_cast<int64_t>(h) * hd;
      for (int32_t i = 0; i < hd; ++i) oh[i] = 0.0f;
      for (int64_t p = 0; p < n_pos; ++p) {
        const float* vp = v + p * kv_stride + kv_off;
        const float s = scores[p];
        for (int32_t i = 0; i < hd; ++i) oh[i] += s * vp[i];
      }
    }
  });
}

}  // namespace reach::run
