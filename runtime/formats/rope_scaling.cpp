#include "formats/rope_scaling.h"

#include <cmath>
#include <numbers>

namespace reach::run {

double llama3_rope_divisor(const RopeScaling& s, double freq) {
  const double wavelen = 2.0 * std::numbers::pi / freq;
  const double low_freq_wavelen = s.original_max_position / s.low_freq_factor;
  const double high_freq_wavelen = s.original_max_position / s.high_freq_factor;
  if (wavelen < high_freq_wavelen) return 1.0;
  if (wavelen > low_freq_wavelen) return s.factor;
  const double smooth = (s.original_max_position / wavelen - s.low_freq_factor) / (s.high_freq_factor - s.low_freq_factor);
  return 1.0 / ((1 - smooth) / s.factor + smooth);
}

std::vector<float> llama3_rope_divisors(const RopeScaling& scaling, float theta, int32_t head_dim) {
  std::vector<float> divisors;
  for (int32_t i = 0; i < head_dim; i += 2) {
    const double freq = 1.0 / std::pow(static_cast<double>(theta), static_cast<double>(i) / head_dim);
    divisors.push_back(static_cast<float>(llama3_rope_divisor(scaling, freq)));
  }
  return divisors;
}

}  // namespace reach::run
