#include "kernels/quant.h"

#include <immintrin.h>

#include <cmath>
#include <cstring>
#include <stdexcept>

namespace reach::run {

float fp16_to_fp32(uint16_t h) { return _cvtsh_ss(h); }
uint16_t fp32_to_fp16(float f) { return _cvtss_sh(f, _MM_FROUND_TO_NEAREST_INT); }
float bf16_to_fp32(uint16_t h) {
  const uint32_t bits = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

void quantize_row_q8_0(const float* x, BlockQ8_0* out, int64_t n) {
  for (int64_t b = 0; b < n / kQuantBlock; ++b) {
    const float* xb = x + b * kQuantBlock;
    float amax = 0.0f;
    for (int i = 0; i < kQuantBlock; ++i) amax = std::max(amax, std::fabs(xb[i]));
    // Same arithmetic as ggml's AVX2 path (127/amax, round half to even),
    // so activations quantize to the very bytes llama.cpp computes with.
    const float d = amax / 127.0f;
    const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
    out[b].d = fp32_to_fp16(d);
    for (int i = 0; i < kQuantBlock; ++i) out[b].q[i] = static_cast<int8_t>(std::nearbyint(xb[i] * id));
  }
}

void dequantize_row(DType type, const std::byte* row, float* out, int64_t n) {
  switch (type) {
    case DType::F32:
      std::memcpy(out, row, static_cast<size_t>(n) * sizeof(float));
      return;
    case DType::F16: {
      const auto* h = reinterpret_cast<const uint16_t*>(row);
      int64_t i = 0;
      for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(out + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h + i))));
      for (; i < n; ++i) out[i] = fp16_to_fp32(h[i]);
      return;
    }
    case DType::BF16: {
      const auto* h = reinterpret_cast<const uint16_t*>(row);
      for (int64_t i = 0; i < n; ++i) out[i] = bf16_to_fp32(h[i]);
      return;
    }
    case DType::Q8_0: {
      const auto* blocks = reinterpret_cast<const BlockQ8_0*>(row);
      for (int64_t b = 0; b < n / kQuantBlock; ++b) {
        const float d = fp16_to_fp32(blocks[b].d);
        for (int i = 0; i < kQuantBlock; ++i) out[b * kQuantBlock + i] = blocks[b].q[i] * d;
      }
      return;
    }
    case DType::Q4_0: {
      const auto* blocks = reinterpret_cast<const BlockQ4_0*>(row);
      for (int64_t b = 0; b < n / kQuantBlock; ++b) {
        const float d = fp16_to_fp32(blocks[b].d);
        float* o = out + b * kQuantBlock;
        for (int i = 0; i < kQuantBlock / 2; ++i) {
          o[i] = ((blocks[b].q[i] & 0x0F) - 8) * d;
          o[i + 16] = ((blocks[b].q[i] >> 4) - 8) * d;
        }
      }
      return;
    }
  }
  throw std::invalid_argument("dequantize_row: unknown dtype");
}

}  // namespace reach::run
