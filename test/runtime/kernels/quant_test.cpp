#include "kernels/quant.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "quantize_ref.h"
#include "reference.h"

namespace reach::run {
namespace {

TEST(Half, RoundTripsAndRoundsToNearestEven) {
  for (float f : {0.0f, 1.0f, -2.5f, 65504.0f, 6.1035156e-05f, 5.9604645e-08f})
    EXPECT_EQ(f16_to_f32(f32_to_f16(f)), f);
  // 1 + 2^-11 is halfway between two halves: ties go to the even one (1.0).
  EXPECT_EQ(f16_to_f32(f32_to_f16(1.0f + 0x1p-11f)), 1.0f);
  EXPECT_EQ(bf16_to_f32(0x3f80), 1.0f);
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
  test::encode_row(run::DType::Q4_0, x, q);
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

// The vectorized activation quantizer gives the plain loop's bytes, and
// its block sums are the sums of those bytes: random rows at several
// scales, ties that must go to even, zeros, one huge value among tiny ones,
// denormals.
TEST(Quant, Q8_0ActivationsEqualThePlainLoopBitForBit) {
  std::vector<float> x;
  for (float scale : {1e-3f, 1.0f, 300.0f}) {
    const auto r = testing::random_floats(32 * 9, 21, scale);
    x.insert(x.end(), r.begin(), r.end());
  }
  std::vector<float> ties = {127.0f, 2.5f, 3.5f, -2.5f, -0.5f, 0.5f, 1.5f, -126.5f};
  ties.resize(32, 0.0f);
  x.insert(x.end(), ties.begin(), ties.end());
  x.insert(x.end(), 32, 0.0f);
  std::vector<float> spike(32, 1e-6f);
  spike[17] = -5e4f;
  x.insert(x.end(), spike.begin(), spike.end());
  x.insert(x.end(), 32, 1e-41f);
  const auto n = static_cast<int64_t>(x.size());

  std::vector<BlockQ8_0> q(static_cast<size_t>(n / 32));
  std::vector<int32_t> sums(q.size());
  quantize_row_q8_0(x.data(), q.data(), n, sums.data());
  std::vector<std::byte> want;
  test::quantize_row_q8_0_activation_ref(x, want);
  ASSERT_EQ(want.size(), q.size() * sizeof(BlockQ8_0));
  EXPECT_EQ(std::memcmp(want.data(), q.data(), want.size()), 0);
  for (size_t b = 0; b < q.size(); ++b) {
    int32_t sum = 0;
    for (int8_t v : q[b].q) sum += v;
    EXPECT_EQ(sums[b], sum) << "block " << b;
  }
  EXPECT_EQ(q[27].q[1], 2);  // 2.5 rounds to even
  EXPECT_EQ(q[27].q[3], -2);
  EXPECT_EQ(q[27].q[7], -126);
  for (int8_t v : q[30].q) EXPECT_EQ(v, 0);  // denormals: 127/amax overflows
  EXPECT_EQ(q[30].d, 0);
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
