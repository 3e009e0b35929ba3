#include "kernels/ops.h"

#include <immintrin.h>

#include <cmath>

#include "formats/rope_scaling.h"
#include "kernels/f32x8.h"
#include "kernels/simd.h"
#include "kernels/vector_exp.h"

namespace reach::run {

namespace {

// e^x for 8 floats (kernels/vector_exp.h). Decode calls it for every FFN
// element of every layer, where the scalar std::exp loop cost ~1.8% of a
// token.
[[gnu::always_inline]] inline __m256 exp8(__m256 x) { return vector_exp::exp<F32x8>(x); }

// The lanes of one 8-float vector of a row: all of them, or in the row's
// short last vector [0, n - i). Whole vectors use plain loads and stores:
// on AMD Zen a masked store (vmaskmovps) is microcoded, and with three
// masked accesses per vector SwiGLU over 5632 floats took 5.3 µs, serial
// work in every layer of decode.
struct Lanes {
  __m256i mask;
  bool whole;
  __m256 load(const float* p) const { return whole ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, mask); }
  void store(float* p, __m256 v) const {
    if (whole) _mm256_storeu_ps(p, v);
    else _mm256_maskstore_ps(p, mask, v);
  }
};

// Calls fn(i, lanes) for i = 0, 8, 16, ... < n.
template <class Fn>
void for_each_vector(int64_t n, Fn fn) {
  const Lanes all{_mm256_set1_epi32(-1), true};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) fn(i, all);
  if (i < n) fn(i, Lanes{simd::lanes_below(n - i), false});
}

}  // namespace

void rmsnorm(const float* x, const float* w, float* out, int64_t n, float eps) {
  // Σx² in double, as ggml does, so long rows lose nothing; in 8 lanes,
  // not one chain of dependent adds.
  __m256d lanes[2] = {_mm256_setzero_pd(), _mm256_setzero_pd()};
  for_each_vector(n, [&](int64_t i, const Lanes& part) {
    const __m256 v = part.load(x + i);
    for (int h = 0; h < 2; ++h) {
      const __m256d d = _mm256_cvtps_pd(h ? _mm256_extractf128_ps(v, 1) : _mm256_castps256_ps128(v));
      lanes[h] = _mm256_fmadd_pd(d, d, lanes[h]);
    }
  });
  const double sum_sq = simd::hsum(_mm256_add_pd(lanes[0], lanes[1]));
  const float scale = 1.0f / std::sqrt(static_cast<float>(sum_sq / static_cast<double>(n)) + eps);
  for (int64_t i = 0; i < n; ++i) out[i] = x[i] * scale * w[i];
}

std::vector<float> rope_inv_freq(int32_t head_dim, float theta, const RopeScaling& scaling) {
  std::vector<float> inv_freq(static_cast<size_t>(head_dim / 2));
  for (int32_t i = 0; i < head_dim / 2; ++i) {
    double freq = 1.0 / std::pow(static_cast<double>(theta), 2.0 * i / head_dim);
    if (scaling.factor > 0.0f) freq /= llama3_rope_divisor(scaling, freq);  // Llama-3
    inv_freq[static_cast<size_t>(i)] = static_cast<float>(freq);
  }
  return inv_freq;
}

void rope_cos_sin(int64_t pos, const std::vector<float>& inv_freq, float* cos_out, float* sin_out) {
  for (size_t i = 0; i < inv_freq.size(); ++i) {
    const double angle = static_cast<double>(pos) * inv_freq[i];
    cos_out[i] = static_cast<float>(std::cos(angle));
    sin_out[i] = static_cast<float>(std::sin(angle));
  }
}

void rope(float* x, int32_t n_heads, int32_t head_dim, const float* cos, const float* sin, RopeStyle style) {
  const int32_t half = head_dim / 2;
  for (int32_t h = 0; h < n_heads; ++h) {
    float* v = x + static_cast<int64_t>(h) * head_dim;
    for (int32_t i = 0; i < half; ++i) {
      // The two elements one pair rotates.
      float& a = style == RopeStyle::HalfSplit ? v[i] : v[2 * i];
      float& b = style == RopeStyle::HalfSplit ? v[i + half] : v[2 * i + 1];
      const float a0 = a, b0 = b;
      a = a0 * cos[i] - b0 * sin[i];
      b = a0 * sin[i] + b0 * cos[i];
    }
  }
}

// 8 lanes at a time (attention's AVX-512 variant runs the same in 16).
float exp_shifted(float* x, int64_t n) { return vector_exp::exp_shifted<F32x8>(x, n); }

void silu_mul(float* gate, const float* up, int64_t n) {
  const __m256 one = _mm256_set1_ps(1.0f);
  for_each_vector(n, [&](int64_t i, const Lanes& lanes) {
    const __m256 g = lanes.load(gate + i);
    const __m256 silu = _mm256_div_ps(g, _mm256_add_ps(one, exp8(_mm256_sub_ps(_mm256_setzero_ps(), g))));
    lanes.store(gate + i, _mm256_mul_ps(silu, lanes.load(up + i)));
  });
}

void add_inplace(float* y, const float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += x[i];
}

}  // namespace reach::run
