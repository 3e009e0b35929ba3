// F16/BF16 conversion and ggml's reference quantizers.
#include <gtest/gtest.h>
#include <immintrin.h>

#include <cmath>
#include <cstring>
#include <random>

#include "formats/half.h"
#include "quantize_ref.h"

namespace reach::run {
namespace {

__attribute__((target("f16c"))) uint16_t hardware_f32_to_f16(float x) {
  return static_cast<uint16_t>(_cvtss_sh(x, 0));
}
__attribute__((target("f16c"))) float hardware_f16_to_f32(uint16_t h) { return _cvtsh_ss(h); }

TEST(Half, EveryHalfDecodesLikeF16cAndRoundTrips) {
  if (!__builtin_cpu_supports("f16c")) GTEST_SKIP() << "no F16C to compare with";
  for (uint32_t h = 0; h <= 0xffff; ++h) {
    const float f = f16_to_f32(static_cast<uint16_t>(h));
    const float hw = hardware_f16_to_f32(static_cast<uint16_t>(h));
    if (std::isnan(hw)) {
      EXPECT_TRUE(std::isnan(f)) << h;
      continue;
    }
    ASSERT_EQ(std::memcmp(&f, &hw, 4), 0) << "half " << h;
    ASSERT_EQ(f32_to_f16(f), h) << "half " << h;
  }
}

TEST(Half, FloatToHalfRoundsLikeF16c) {
  if (!__builtin_cpu_supports("f16c")) GTEST_SKIP() << "no F16C to compare with";
  std::mt19937 rng(7);
  for (int i = 0; i < 2'000'000; ++i) {
    uint32_t bits = rng();
    float f;
    std::memcpy(&f, &bits, 4);
    if (std::isnan(f)) continue;
    ASSERT_EQ(f32_to_f16(f), hardware_f32_to_f16(f)) << "float bits " << bits;
  }
  // Ties to even at the normal and subnormal boundaries.
  for (float f : {65504.0f, 65519.0f, 65520.0f, 6.1035156e-05f, 5.9604645e-08f, 2.9802322e-08f, 1.0009765625f}) {
    EXPECT_EQ(f32_to_f16(f), hardware_f32_to_f16(f)) << f;
    EXPECT_EQ(f32_to_f16(-f), hardware_f32_to_f16(-f)) << -f;
  }
}

TEST(Half, Bf16RoundsToNearestEven) {
  EXPECT_EQ(f32_to_bf16(1.0f), 0x3f80);
  EXPECT_EQ(bf16_to_f32(0x3f80), 1.0f);
  uint32_t bits = 0x3f808000;  // exactly halfway between 0x3f80 and 0x3f81: to even
  float f;
  std::memcpy(&f, &bits, 4);
  EXPECT_EQ(f32_to_bf16(f), 0x3f80);
  bits = 0x3f818000;  // halfway, odd below: rounds up
  std::memcpy(&f, &bits, 4);
  EXPECT_EQ(f32_to_bf16(f), 0x3f82);
}

// Dequantizes as ggml does, in double, for the error bounds below.
std::vector<double> dequantize(const std::vector<std::byte>& q, size_t n, bool q8) {
  std::vector<double> out;
  const size_t block_bytes = q8 ? 34 : 18;
  for (size_t b = 0; b < n / 32; ++b) {
    const std::byte* p = q.data() + b * block_bytes;
    uint16_t dh;
    std::memcpy(&dh, p, 2);
    const double d = f16_to_f32(dh);
    for (int j = 0; j < 32; ++j) {
      if (q8) {
        out.push_back(d * static_cast<int8_t>(p[2 + j]));
      } else {
        const uint8_t byte = static_cast<uint8_t>(p[2 + (j % 16)]);
        const int nib = j < 16 ? (byte & 0xf) : (byte >> 4);
        out.push_back(d * (nib - 8));
      }
    }
  }
  return out;
}

TEST(QuantizeRef, Q8_0WithinHalfAStep) {
  std::mt19937 rng(3);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  std::vector<float> x(32 * 64);
  for (auto& v : x) v = nd(rng);
  std::vector<std::byte> q;
  test::encode_row(run::DType::Q8_0, x, q);
  ASSERT_EQ(q.size(), 64u * 34);
  const auto y = dequantize(q, x.size(), true);
  for (size_t b = 0; b < 64; ++b) {
    double amax = 0;
    for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(double(x[b * 32 + j])));
    const double step = amax / 127;
    for (int j = 0; j < 32; ++j) EXPECT_NEAR(y[b * 32 + j], x[b * 32 + j], step * 0.5 + amax * 1e-3) << b << "," << j;
  }
}

// The level grid is -8..7 times d = max / -8, so the largest magnitude is
// exact and values beyond +7.5 steps on the other side clamp to 7.
TEST(QuantizeRef, Q4_0KeepsTheLargestValueExactlyAndTheRestWithinHalfAStepUnlessClamped) {
  std::mt19937 rng(4);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  std::vector<float> x(32 * 64);
  for (auto& v : x) v = nd(rng);
  std::vector<std::byte> q;
  test::encode_row(run::DType::Q4_0, x, q);
  ASSERT_EQ(q.size(), 64u * 18);
  const auto y = dequantize(q, x.size(), false);
  for (size_t b = 0; b < 64; ++b) {
    double amax = 0;
    for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(double(x[b * 32 + j])));
    const double step = amax / 8;
    for (int j = 0; j < 32; ++j) {
      const bool clamped = std::fabs(x[b * 32 + j]) > 7.5 * step && y[b * 32 + j] * x[b * 32 + j] > 0 &&
                           std::fabs(y[b * 32 + j]) < amax * 0.99;
      EXPECT_NEAR(y[b * 32 + j], x[b * 32 + j], (clamped ? 1.0 : 0.5) * step + amax * 1e-3) << b << "," << j;
      if (std::fabs(x[b * 32 + j]) == amax) EXPECT_NEAR(y[b * 32 + j], x[b * 32 + j], amax * 1e-3);
    }
  }
}

TEST(QuantizeRef, AllZeroBlockQuantizesToZero) {
  std::vector<float> x(32, 0.0f);
  std::vector<std::byte> q8, q4;
  test::encode_row(run::DType::Q8_0, x, q8);
  test::encode_row(run::DType::Q4_0, x, q4);
  for (double v : dequantize(q8, 32, true)) EXPECT_EQ(v, 0.0);
  for (double v : dequantize(q4, 32, false)) EXPECT_EQ(v, 0.0);
}

}  // namespace
}  // namespace reach::run
