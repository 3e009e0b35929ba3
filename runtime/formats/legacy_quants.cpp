// Q4_1, Q5_0 and Q5_1 (formats/quant_rows.h): 32-element blocks with a
// scale (and Q4_1/Q5_1 a minimum), quantized as ggml's reference does:
// truncation of x/d + 0.5 (or + 16.5) toward zero, capped at the top code.
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>

#include "formats/block_io.h"
#include "formats/half.h"
#include "formats/quant_blocks.h"
#include "formats/quant_rows.h"

namespace reach::run::quants {
namespace {

constexpr int kBlock = 32;

// The smallest and largest of a block.
void range_of(const float* v, float& min, float& max) {
  min = FLT_MAX;
  max = -FLT_MAX;
  for (int j = 0; j < kBlock; ++j) {
    if (v[j] < min) min = v[j];
    if (v[j] > max) max = v[j];
  }
}

// Element j's 5th bit (elements 0..15 in bits 0..15, 16..31 in 16..31).
int high_bit(const uint8_t qh[4], int j) {
  uint32_t bits;
  std::memcpy(&bits, qh, 4);
  return static_cast<int>((bits >> j) & 1u) << 4;
}

}  // namespace

void q4_1_to_float(const std::byte* row, float* out, int64_t n) {
  for (int64_t b = 0; b < n / kBlock; ++b) {
    const auto blk = load_block<BlockQ4_1>(row, b);
    const float d = f16_to_f32(blk.d), m = f16_to_f32(blk.m);
    float* y = out + b * kBlock;
    for (int j = 0; j < 16; ++j) {
      y[j] = static_cast<float>(blk.qs[j] & 0x0F) * d + m;
      y[j + 16] = static_cast<float>(blk.qs[j] >> 4) * d + m;
    }
  }
}

void q4_1_from_float(const float* x, std::byte* out, int64_t n) {
  for (int64_t b = 0; b < n / kBlock; ++b) {
    const float* v = x + b * kBlock;
    float min, max;
    range_of(v, min, max);
    const float d = (max - min) / 15;
    const float id = d ? 1.0f / d : 0.0f;
    BlockQ4_1 blk{f32_to_f16(d), f32_to_f16(min), {}};
    for (int j = 0; j < 16; ++j) {
      const auto q0 = std::min<uint8_t>(15, static_cast<uint8_t>(static_cast<int8_t>((v[j] - min) * id + 0.5f)));
      const auto q1 = std::min<uint8_t>(15, static_cast<uint8_t>(static_cast<int8_t>((v[j + 16] - min) * id + 0.5f)));
      blk.qs[j] = static_cast<uint8_t>(q0 | (q1 << 4));
    }
    store_block(out, b, blk);
  }
}

void q5_0_to_float(const std::byte* row, float* out, int64_t n) {
  for (int64_t b = 0; b < n / kBlock; ++b) {
    const auto blk = load_block<BlockQ5_0>(row, b);
    const float d = f16_to_f32(blk.d);
    float* y = out + b * kBlock;
    for (int j = 0; j < 16; ++j) {
      y[j] = static_cast<float>(((blk.qs[j] & 0x0F) | high_bit(blk.qh, j)) - 16) * d;
      y[j + 16] = static_cast<float>(((blk.qs[j] >> 4) | high_bit(blk.qh, j + 16)) - 16) * d;
    }
  }
}

// The signed extreme sets the scale: d = max / -16, so it maps to code 0.
void q5_0_from_float(const float* x, std::byte* out, int64_t n) {
  for (int64_t b = 0; b < n / kBlock; ++b) {
    const float* v = x + b * kBlock;
    float amax = 0.0f, max = 0.0f;
    for (int j = 0; j < kBlock; ++j)
      if (amax < std::fabs(v[j])) amax = std::fabs(v[j]), max = v[j];
    const float d = max / -16;
    const float id = d ? 1.0f / d : 0.0f;
    BlockQ5_0 blk{f32_to_f16(d), {}, {}};
    uint32_t qh = 0;
    for (int j = 0; j < 16; ++j) {
      const auto q0 = std::min<uint8_t>(31, static_cast<uint8_t>(static_cast<int8_t>(v[j] * id + 16.5f)));
      const auto q1 = std::min<uint8_t>(31, static_cast<uint8_t>(static_cast<int8_t>(v[j + 16] * id + 16.5f)));
      blk.qs[j] = static_cast<uint8_t>((q0 & 0x0F) | ((q1 & 0x0F) << 4));
      qh |= static_cast<uint32_t>((q0 & 0x10u) >> 4) << j;
      qh |= static_cast<uint32_t>((q1 & 0x10u) >> 4) << (j + 16);
    }
    std::memcpy(blk.qh, &qh, 4);
    store_block(out, b, blk);
  }
}

void q5_1_to_float(const std::byte* row, float* out, int64_t n) {
  for (int64_t b = 0; b < n / kBlock; ++b) {
    const auto blk = load_block<BlockQ5_1>(row, b);
    const float d = f16_to_f32(blk.d), m = f16_to_f32(blk.m);
    float* y = out + b * kBlock;
    for (int j = 0; j < 16; ++j) {
      y[j] = static_cast<float>((blk.qs[j] & 0x0F) | high_bit(blk.qh, j)) * d + m;
      y[j + 16] = static_cast<float>((blk.qs[j] >> 4) | high_bit(blk.qh, j + 16)) * d + m;
    }
  }
}

void q5_1_from_float(const float* x, std::byte* out, int64_t n) {
  for (int64_t b = 0; b < n / kBlock; ++b) {
    const float* v = x + b * kBlock;
    float min, max;
    range_of(v, min, max);
    const float d = (max - min) / 31;
    const float id = d ? 1.0f / d : 0.0f;
    BlockQ5_1 blk{f32_to_f16(d), f32_to_f16(min), {}, {}};
    uint32_t qh = 0;
    for (int j = 0; j < 16; ++j) {
      const auto q0 = static_cast<uint8_t>((v[j] - min) * id + 0.5f);
      const auto q1 = static_cast<uint8_t>((v[j + 16] - min) * id + 0.5f);
      blk.qs[j] = static_cast<uint8_t>((q0 & 0x0F) | ((q1 & 0x0F) << 4));
      qh |= static_cast<uint32_t>((q0 & 0x10u) >> 4) << j;
      qh |= static_cast<uint32_t>((q1 & 0x10u) >> 4) << (j + 16);
    }
    std::memcpy(blk.qh, &qh, 4);
    store_block(out, b, blk);
  }
}

}  // namespace reach::run::quants
