#include "quantize_ref.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>

#include "byte_sink.h"
#include "half.h"

namespace reach::test {

constexpr size_t kBlock = 32;

void quantize_row_q8_0_ref(std::span<const float> x, std::vector<std::byte>& out) {
  if (x.size() % kBlock != 0) throw std::invalid_argument("Q8_0 rows must be a multiple of 32");
  for (size_t b = 0; b < x.size() / kBlock; ++b) {
    const float* v = x.data() + b * kBlock;
    float amax = 0.0f;
    for (size_t j = 0; j < kBlock; ++j) amax = std::fmax(amax, std::fabs(v[j]));
    const float d = amax / ((1 << 7) - 1);
    const float id = d ? 1.0f / d : 0.0f;
    append_le<uint16_t>(out, run::f32_to_f16(d));
    for (size_t j = 0; j < kBlock; ++j) append_le<int8_t>(out, static_cast<int8_t>(std::roundf(v[j] * id)));
  }
}

void quantize_row_q8_0_activation_ref(std::span<const float> x, std::vector<std::byte>& out) {
  if (x.size() % kBlock != 0) throw std::invalid_argument("Q8_0 rows must be a multiple of 32");
  for (size_t b = 0; b < x.size() / kBlock; ++b) {
    const float* v = x.data() + b * kBlock;
    float amax = 0.0f;
    for (size_t j = 0; j < kBlock; ++j) amax = std::max(amax, std::fabs(v[j]));
    const float d = amax / 127.0f;
    // Where 127/amax overflows (amax below 3.7e-37, scale 0 in F16) ggml's
    // AVX2 code writes -128s; reach-run writes zeros, the same values.
    const float id = amax != 0.0f && 127.0f / amax != INFINITY ? 127.0f / amax : 0.0f;
    append_le<uint16_t>(out, run::f32_to_f16(d));
    for (size_t j = 0; j < kBlock; ++j) append_le<int8_t>(out, static_cast<int8_t>(std::nearbyint(v[j] * id)));
  }
}

void quantize_row_q4_0_ref(std::span<const float> x, std::vector<std::byte>& out) {
  if (x.size() % kBlock != 0) throw std::invalid_argument("Q4_0 rows must be a multiple of 32");
  for (size_t b = 0; b < x.size() / kBlock; ++b) {
    const float* v = x.data() + b * kBlock;
    float amax = 0.0f;  // absolute max
    float max = 0.0f;   // the value with that magnitude, sign kept
    for (size_t j = 0; j < kBlock; ++j) {
      if (amax < std::fabs(v[j])) {
        amax = std::fabs(v[j]);
        max = v[j];
      }
    }
    const float d = max / -8;
    const float id = d ? 1.0f / d : 0.0f;
    append_le<uint16_t>(out, run::f32_to_f16(d));
    for (size_t j = 0; j < kBlock / 2; ++j) {
      const float x0 = v[j] * id;
      const float x1 = v[kBlock / 2 + j] * id;
      const uint8_t xi0 = static_cast<uint8_t>(std::min<int8_t>(15, static_cast<int8_t>(x0 + 8.5f)));
      const uint8_t xi1 = static_cast<uint8_t>(std::min<int8_t>(15, static_cast<int8_t>(x1 + 8.5f)));
      append_le<uint8_t>(out, static_cast<uint8_t>(xi0 | (xi1 << 4)));
    }
  }
}

void convert_row_f16(std::span<const float> x, std::vector<std::byte>& out) {
  for (float v : x) append_le<uint16_t>(out, run::f32_to_f16(v));
}

void convert_row_bf16(std::span<const float> x, std::vector<std::byte>& out) {
  for (float v : x) append_le<uint16_t>(out, run::f32_to_bf16(v));
}

}  // namespace reach::test
