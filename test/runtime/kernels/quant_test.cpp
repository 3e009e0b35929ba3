#include "kernels/quant.h"

#include <gtest/gtest.h>

#include <cmath>

#include "reference.h"

namespace reach::run {
namespace {

TEST(Half, RoundTripsAndRoundsToNearestEven) {
  for (float f : {0.0f, 1.0f, -2.5f, 65504.0f, 6.1035156e-05f, 5.9604645e-08f})
    EXPECT_EQ(fp16_to_fp32(fp32_to_fp16(f)), f);
  // 1 + 2^-11 is halfway between two halves: ties go to the even one (1.0).
  EXPECT_EQ(fp16_to_fp32(fp32_to_fp16(1.0f + 0x1p-11f)), 1.0f);
  EXPECT_EQ(bf16_to_fp32(0x3f80), 1.0f);
}

// Q8_0: each element is within half a step (d/2) of its original, d =
// max|x|/127 rounded to half precision (so allow d's own 2^-11 error too).
TEST(Quant, Q8_0RoundTripWithinHalfAStep) {
  const int64_t n = 32 * 7;
  const auto x = testing::random_floats(n, 11, 3.0f);
  std::vector<BlockQ8_0> q(n / 32);
  quantize_row_q8_0(x.data(), q.data(), n);
  std::vector<float> back(n);
  dequantize_row(DType::Q8_0, reinterpret_cast<const std::byte*>(q.data()), back.data(), n);
  for (int64_t b = 0; b < n / 32; ++b) {
    float amax = 0;
    for (int i = 0; i < 32; ++i) amax = std::max(amax, std::fabs(x[b * 32 + i]));
    const float d = amax / 127.0f;
    for (int i = 0; i < 32; ++i) {
      const int64_t k = b * 32 + i;
      EXPECT_NEAR(back[k], x[k], d * 0.5f + amax * 0x1p-10f) << k;
    }
  }
}

// Q4_0 (weights, quantized by the writer's ggml reference): 16 levels over
// [-amax, amax]: within half a step, d = amax/8.
TEST(Quant, Q4_0RoundTripWithinHalfAStep) {
  const int64_t n = 32 * 5;
  const auto x = testing::random_floats(n, 12);
  std::vector<std::byte> q;
  test::quantize_row_q4_0_ref(x, q);
  std::vector<float> back(n);
  dequantize_row(DType::Q4_0, q.data(), back.data(), n);
  for (int64_t b = 0; b < n / 32; ++b) {
    float amax = 0;
    for (int i = 0; i < 32; ++i) amax = std::max(amax, std::fabs(x[b * 32 + i]));
    for (int i = 0; i < 32; ++i) {
      const int64_t k = b * 32 + i;
      EXPECT_NEAR(back[k], x[k], amax / 8.0f * 0.5f + amax * 0x1p-9f) << k;
    }
  }
}

TEST(Quant, AllZeroBlockStaysZero) {
  std::vector<float> x(32, 0.0f), back(32, 1.0f);
  std::vector<BlockQ8_0> q(1);
  quantize_row_q8_0(x.data(), q.data(), 32);
  dequantize_row(DType::Q8_0, reinterpret_cast<const std::byte*>(q.data()), back.data(), 32);
  for (float v : back) EXPECT_EQ(v, 0.0f);
}

}  // namespace
}  // namespace reach::run
