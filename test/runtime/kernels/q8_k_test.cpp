// Q8_K, the K-quants' activation (kernels/q8_k.h), against ggml's
// quantize_row_q8_K_ref. (The K-quant products: matmul_test.cpp.)
#include "kernels/q8_k.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "reference.h"

namespace reach::run {
namespace {

std::vector<BlockQ8K> quantized(const std::vector<float>& x) {
  std::vector<BlockQ8K> q(x.size() / 256);
  quantize_row_q8_k(x.data(), q.data(), static_cast<int64_t>(x.size()));
  return q;
}

// ggml's quantize_row_q8_K_ref: the element of largest magnitude becomes
// -127 (the scale is negative when it is positive), the others round to
// nearest, bsums are the sums of 16.
TEST(QuantizeQ8K, FollowsGgmlsReference) {
  auto x = testing::random_floats(512, 11);
  x[3] = 9.f;    // block 0's extreme, positive
  x[300] = -8.f; // block 1's, negative
  const auto q = quantized(x);
  EXPECT_EQ(q[0].qs[3], -127);
  EXPECT_EQ(q[1].qs[300 - 256], -127);
  EXPECT_FLOAT_EQ(q[0].d, -9.f / 127.f);
  EXPECT_FLOAT_EQ(q[1].d, 8.f / 127.f);
  for (int b = 0; b < 2; ++b) {
    const float iscale = -127.f / (b == 0 ? 9.f : -8.f);
    for (int j = 0; j < 256; ++j) {
      const float v = iscale * x[256 * b + j];
      EXPECT_EQ(q[b].qs[j], std::min(127, static_cast<int>(std::nearbyint(v)))) << b << " " << j;
    }
    for (int s = 0; s < 16; ++s) {
      int sum = 0;
      for (int l = 0; l < 16; ++l) sum += q[b].qs[16 * s + l];
      EXPECT_EQ(q[b].bsums[s], sum);
    }
  }
}

// ggml's quantize_row_q8_K_ref for one block, as written there: a scalar
// loop, the first element of largest magnitude, nearest_int.
BlockQ8K ggml_q8_k(const float* x) {
  BlockQ8K y{};
  float amax = 0, max = 0;
  for (int j = 0; j < 256; ++j)
    if (std::fabs(x[j]) > amax) amax = std::fabs(x[j]), max = x[j];
  if (amax == 0) return y;
  const float iscale = -127.f / max;
  if (!std::isfinite(iscale) || iscale == 0) return y;
  for (int j = 0; j < 256; ++j) {
    const float v = iscale * x[j] + 12582912.f;  // ggml's nearest_int
    int32_t i;
    std::memcpy(&i, &v, 4);
    y.qs[j] = static_cast<int8_t>(std::min(127, (i & 0x007fffff) - 0x00400000));
  }
  for (int j = 0; j < 16; ++j) {
    int sum = 0;
    for (int l = 0; l < 16; ++l) sum += y.qs[16 * j + l];
    y.bsums[j] = static_cast<int16_t>(sum);
  }
  y.d = 1 / iscale;
  return y;
}

// The vector quantizer gives the scalar loop's bytes, also where it has to
// choose: ties of magnitude (the first one's sign wins), quants exactly
// halfway (ties to even), NaN elements (skipped by the maximum, 0 as a
// quant), and scales from 1e-30 to 1e30.
TEST(QuantizeQ8K, EqualsGgmlsScalarLoopByteForByte) {
  constexpr int kBlocks = 40;
  auto x = testing::random_floats(256 * kBlocks, 23);
  for (int b = 0; b < kBlocks; ++b)
    for (int j = 0; j < 256; ++j) x[256 * b + j] *= std::pow(10.f, static_cast<float>(b % 13 - 6) * 5.f);
  float* tie = x.data() + 256;  // -4 before +4: the scale is negative's
  tie[7] = -4.f;
  tie[200] = 4.f;
  float* halves = x.data() + 512;  // iscale 1: each k + 0.5 rounds to the even one
  halves[0] = -127.f;
  for (int j = 1; j < 256; ++j) halves[j] = static_cast<float>(j % 200 - 100) + 0.5f;
  float* nan = x.data() + 768;
  nan[3] = nan[100] = std::nanf("");
  nan[101] = -std::nanf("");
  const auto q = quantized(x);
  for (int b = 0; b < kBlocks; ++b) {
    const BlockQ8K want = ggml_q8_k(x.data() + 256 * b);
    EXPECT_EQ(std::memcmp(&want.d, &q[b].d, sizeof want.d), 0) << "block " << b;
    for (int j = 0; j < 256; ++j) ASSERT_EQ(want.qs[j], q[b].qs[j]) << "block " << b << " element " << j;
    for (int j = 0; j < 16; ++j) ASSERT_EQ(want.bsums[j], q[b].bsums[j]) << "block " << b << " sum " << j;
  }
  EXPECT_EQ(q[2].qs[1], -98) << "-98.5 rounds to the even -98";
  EXPECT_EQ(q[2].qs[2], -98) << "-97.5 rounds to the even -98";
  EXPECT_EQ(q[1].qs[7], -127) << "-4 came first: the scale is -4/-127";
  EXPECT_EQ(q[1].qs[200], 127);
}

TEST(QuantizeQ8K, ZeroAndTinyBlocksAreZeros) {
  std::vector<float> x(512, 0.f);
  for (int j = 256; j < 512; ++j) x[j] = 1e-41f;  // 127/max is not finite
  const auto q = quantized(x);
  for (const BlockQ8K& b : q) {
    EXPECT_EQ(b.d, 0.f);
    for (int8_t v : b.qs) EXPECT_EQ(v, 0);
    for (int16_t s : b.bsums) EXPECT_EQ(s, 0);
  }
}

}  // namespace
}  // namespace reach::run
