#include "kernels/ops.h"

#include <cmath>
#include <numbers>

namespace reach::run {

void rmsnorm(const float* x, const float* w, float* out, int64_t n, float eps) {
  double sum_sq = 0.0;  // double, as ggml does, so long rows lose nothing
  for (int64_t i = 0; i < n; ++i) sum_sq += static_cast<double>(x[i]) * x[i];
  const float scale = 1.0f / std::sqrt(static_cast<float>(sum_sq / static_cast<double>(n)) + eps);
  for (int64_t i = 0; i < n; ++i) out[i] = x[i] * scale * w[i];
}

std::vector<float> rope_inv_freq(int32_t head_dim, float theta, const RopeScaling& scaling) {
  std::vector<float> inv_freq(static_cast<size_t>(head_dim / 2));
  for (int32_t i = 0; i < head_dim / 2; ++i) {
    double freq = 1.0 / std::pow(static_cast<double>(theta), 2.0 * i / head_dim);
    if (scaling.factor > 0.0f) {
      // Llama-3: long wavelengths slow down by `factor`, short ones stay,
      // and the band in between blends smoothly (transformers'
      // _compute_llama3_parameters).
      const double wavelen = 2.0 * std::numbers::pi / freq;
      const double low_freq_wavelen = scaling.original_max_position / scaling.low_freq_factor;
      const double high_freq_wavelen = scaling.original_max_position / scaling.high_freq_factor;
      if (wavelen > low_freq_wavelen) {
        freq /= scaling.factor;
      } else if (wavelen >= high_freq_wavelen) {
        const double smooth = (scaling.original_max_position / wavelen - scaling.low_freq_factor) /
                              (scaling.high_freq_factor - scaling.low_freq_factor);
        freq = (1.0 - smooth) * freq / scaling.factor + smooth * freq;
      }
    }
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

void softmax(float* x, int64_t n) {
  float max = -INFINITY;
  for (int64_t i = 0; i < n; ++i) max = std::max(max, x[i]);
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    x[i] = std::exp(x[i] - max);
    sum += x[i];
  }
  const float inv = static_cast<float>(1.0 / sum);
  for (int64_t i = 0; i < n; ++i) x[i] *= inv;
}

void silu_mul(float* gate, const float* up, int64_t n) {
  for (int64_t i = 0; i < n; ++i) gate[i] = gate[i] / (1.0f + std::exp(-gate[i])) * up[i];
}

void add_inplace(float* y, const float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += x[i];
}

}  // namespace reach::run
