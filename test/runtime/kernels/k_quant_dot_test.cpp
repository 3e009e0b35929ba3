// The K-quant row dot (kernels/k_quant_dot.h) against a plain scalar loop
// written from ggml's block definitions here, element by element: the
// integer sums are exact, so the SIMD kernel must give the very bits.
#include "kernels/k_quant_dot.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "formats/half.h"
#include "reference.h"

namespace reach::run {
namespace {

using testing::half_at;

// One element e of a super-block at p: its signed code, the scale and the
// minimum of its sub-block, and the block's d and dmin, straight from the
// byte offsets of ggml's block_qN_K structs.
struct Element {
  int code, scale, min;
  float d, dmin;
};

Element element(DType type, const uint8_t* p, int e) {
  const int group = e / 32, l = e % 32;
  switch (type) {
    case DType::Q2_K: {  // scales[16] qs[64] d dmin
      const int q = (p[16 + 32 * (group / 4) + l] >> (2 * (group % 4))) & 3;
      return {q, p[e / 16] & 0xF, p[e / 16] >> 4, half_at(p + 80), half_at(p + 82)};
    }
    case DType::Q3_K: {  // hmask[32] qs[64] scales[12] d
      const int low = (p[32 + 32 * (group / 4) + l] >> (2 * (group % 4))) & 3;
      const int high = (p[l] >> group) & 1;
      const uint8_t* s = p + 96;
      const int j = e / 16;
      const int sc = ((j < 8 ? s[j] & 0xF : s[j - 8] >> 4) | (((s[8 + j % 4] >> (2 * (j / 4))) & 3) << 4)) - 32;
      return {low + 4 * high - 4, sc, 0, half_at(p + 108), 0.f};
    }
    default: ADD_FAILURE() << "not a K-quant"; return {};
  }
}

// The header's formula, one element at a time: eight lanes of exact
// integers per super-block, one FMA per lane, the lanes summed in the
// header's order.
float reference_dot(DType type, const std::byte* row, const BlockQ8K* x, int64_t n) {
  const size_t block_bytes = static_cast<size_t>(type_traits(type).block_bytes);
  const int offset = type == DType::Q3_K ? 4 : 0;
  float scaled[8] = {}, minsum[8] = {};
  for (int64_t b = 0; b < n / 256; ++b) {
    const auto* p = reinterpret_cast<const uint8_t*>(row) + b * block_bytes;
    int32_t codes[8] = {}, subs[8] = {}, mins[8] = {};
    int scale[16], min[16];
    float d = 0, dmin = 0;
    for (int e = 0; e < 256; ++e) {
      const Element el = element(type, p, e);
      codes[(e % 32) / 4] += el.scale * (el.code + offset) * x[b].qs[e];  // the code as stored (unsigned)
      scale[e / 16] = el.scale;
      min[e / 16] = el.min;
      d = el.d;
      dmin = el.dmin;
    }
    for (int l = 0; l < 8; ++l)
      for (int j = 2 * l; j <= 2 * l + 1; ++j) {
        subs[l] += x[b].bsums[j] * scale[j];
        mins[l] += x[b].bsums[j] * min[j];
      }
    for (int l = 0; l < 8; ++l) {
      scaled[l] = std::fma(d * x[b].d, static_cast<float>(codes[l] - offset * subs[l]), scaled[l]);
      minsum[l] = std::fma(-(dmin * x[b].d), static_cast<float>(mins[l]), minsum[l]);
    }
  }
  float v[8], s4[4];
  for (int l = 0; l < 8; ++l) v[l] = scaled[l] + minsum[l];
  for (int l = 0; l < 4; ++l) s4[l] = v[l] + v[l + 4];
  return (s4[0] + s4[2]) + (s4[1] + s4[3]);
}

// Q4_K, Q5_K and Q6_K are not among them: they are repacked into row groups
// (their products are tested in matmul_test.cpp, in this same order).
const DType kKQuants[] = {DType::Q2_K, DType::Q3_K};

std::vector<BlockQ8K> quantized(const std::vector<float>& x) {
  std::vector<BlockQ8K> q(x.size() / 256);
  quantize_row_q8_k(x.data(), q.data(), static_cast<int64_t>(x.size()));
  return q;
}

// Where a block's f16 d (and dmin) sit.
std::vector<size_t> f16_scale_offsets(DType type) {
  switch (type) {
    case DType::Q2_K: return {80, 82};
    default: return {108};  // Q3_K
  }
}

// One token's product through the kernel.
float dot(DType type, const std::byte* row, const BlockQ8K* x, int64_t n) {
  float y = NAN;
  k_quant_rows_dot(type)(row, 0, 1, x, n / 256, 1, n, &y, 1);
  return y;
}

class KQuantDot : public ::testing::TestWithParam<DType> {};

// Rows from the type table's quantizer (what files hold), and the same
// product in float over the decoded row: the kernel agrees with both.
TEST_P(KQuantDot, QuantizedRowsGiveTheBlockDefinitionBits) {
  const DType type = GetParam();
  const int64_t n = 1024;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    const auto w = testing::store_matrix(testing::random_floats(n, seed), 1, n, type);
    const auto x = quantized(testing::random_floats(n, 100 + seed));
    const float got = dot(type, w.bytes.data(), x.data(), n);
    ASSERT_EQ(got, reference_dot(type, w.bytes.data(), x.data(), n)) << "seed " << seed;
    double exact = 0, mag = 0;
    for (int64_t i = 0; i < n; ++i) {
      const double xi = x[i / 256].qs[i % 256] * static_cast<double>(x[i / 256].d);
      exact += w.decoded[i] * xi;
      mag += std::fabs(w.decoded[i] * xi);
    }
    ASSERT_NEAR(got, exact, 1e-5 * mag) << "seed " << seed;
  }
}

// Random bytes reach every code, scale and minimum the layout can hold
// (Q3_K's -32, codes of 31 against q8 of ±127),
// which a quantizer's output may never show.
TEST_P(KQuantDot, EveryBitPatternGivesTheBlockDefinitionBits) {
  const DType type = GetParam();
  const int64_t n = 512;
  const size_t bytes = type_traits(type).row_bytes(n);
  std::mt19937 rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<std::byte> row(bytes);
    for (std::byte& b : row) b = static_cast<std::byte>(rng());
    for (int64_t b = 0; b < n / 256; ++b) {  // finite scales: d and dmin in [0.5, 2)
      uint8_t* p = reinterpret_cast<uint8_t*>(row.data()) + b * type_traits(type).block_bytes;
      for (size_t at : f16_scale_offsets(type)) {
        const uint16_t h = f32_to_f16(0.5f + static_cast<float>(rng() % 1000) / 666.f);
        std::memcpy(p + at, &h, 2);
      }
    }
    auto x = testing::random_floats(n, 300 + trial, 10.f);
    if (trial % 2) x[static_cast<size_t>(trial) % n] = 1e4f;  // one outlier: the rest of its block near 0
    const auto q = quantized(x);
    ASSERT_EQ(dot(type, row.data(), q.data(), n), reference_dot(type, row.data(), q.data(), n))
        << "trial " << trial;
  }
}

// Prefill passes many tokens and rows: each product gets the bits it gets
// alone, in groups of four tokens and in the remainder.
TEST_P(KQuantDot, ManyRowsAndTokensGiveEachProductItsOwnBits) {
  const DType type = GetParam();
  const int64_t n = 512, tokens = 7, rows = 3, blocks = n / 256;
  const auto w = testing::store_matrix(testing::random_floats(rows * n, 5), rows, n, type);
  const size_t row_bytes = type_traits(type).row_bytes(n);
  std::vector<BlockQ8K> x(static_cast<size_t>(tokens * blocks));
  const auto floats = testing::random_floats(static_cast<size_t>(tokens * n), 6);
  quantize_row_q8_k(floats.data(), x.data(), tokens * n);
  const int64_t y_stride = rows + 1;  // a gap after each token's rows
  std::vector<float> y(static_cast<size_t>(tokens * y_stride), NAN);
  k_quant_rows_dot(type)(w.bytes.data(), row_bytes, rows, x.data(), blocks, static_cast<int>(tokens), n, y.data(),
                         y_stride);
  for (int64_t t = 0; t < tokens; ++t) {
    for (int64_t r = 0; r < rows; ++r)
      EXPECT_EQ(y[static_cast<size_t>(t * y_stride + r)], dot(type, w.bytes.data() + r * row_bytes, x.data() + t * blocks, n))
          << "token " << t << " row " << r;
    EXPECT_TRUE(std::isnan(y[static_cast<size_t>(t * y_stride + rows)])) << "nothing written past the rows";
  }
}

INSTANTIATE_TEST_SUITE_P(Types, KQuantDot, ::testing::ValuesIn(kKQuants),
                         [](const auto& info) { return std::string(type_traits(info.param).name); });

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

// The K-quants read row by row have one; Q4_K, Q5_K and Q6_K, in row groups, do not.
TEST(KQuantDot, OnlyKQuantsReadRowByRowHaveOne) {
  for (DType t : kKQuants) EXPECT_NE(k_quant_rows_dot(t), nullptr);
  for (DType t : {DType::F32, DType::F16, DType::Q8_0, DType::Q4_0, DType::Q4_1, DType::Q4_K, DType::Q5_K, DType::Q6_K})
    EXPECT_EQ(k_quant_rows_dot(t), nullptr);
}

}  // namespace
}  // namespace reach::run
