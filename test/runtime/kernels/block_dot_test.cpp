// The Q4_1/Q5_0/Q5_1 row dot (kernels/block_dot.h) against a plain scalar
// loop written from ggml's block definitions here: the integer sums are
// exact, so the SIMD kernel must give the very bits.
#include "kernels/block_dot.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "formats/half.h"
#include "reference.h"

namespace reach::run {
namespace {

using testing::half_at;

// Element j of the block at p: its unsigned code, and the block's d, m and
// offset, from the byte offsets of ggml's block_q4_1 / q5_0 / q5_1.
struct Element {
  int code, offset;
  float d, m;
};

Element element(DType type, const std::byte* block, int j) {
  const auto* p = reinterpret_cast<const uint8_t*>(block);
  const auto nibble = [&](const uint8_t* qs) { return j < 16 ? qs[j] & 0xF : qs[j - 16] >> 4; };
  const auto fifth = [&](const uint8_t* qh) { return ((qh[j / 8] >> (j % 8)) & 1) << 4; };
  switch (type) {
    case DType::Q4_1: return {nibble(p + 4), 0, half_at(p), half_at(p + 2)};       // d m qs[16]
    case DType::Q5_0: return {nibble(p + 6) | fifth(p + 2), 16, half_at(p), 0.f};          // d qh[4] qs[16]
    case DType::Q5_1: return {nibble(p + 8) | fifth(p + 4), 0, half_at(p), half_at(p + 2)};  // d m qh qs
    default: ADD_FAILURE() << "not a 32-element block type with a kernel here"; return {};
  }
}

struct Quantized {
  std::vector<BlockQ8_0> blocks;
  std::vector<int32_t> sums;
  std::vector<float> s;
};

float reference_dot(DType type, const std::byte* row, const Quantized& xq, int64_t n) {
  const size_t block_bytes = static_cast<size_t>(type_traits(type).block_bytes);
  const BlockQ8_0* x = xq.blocks.data();
  float acc = 0, mins = 0;
  for (int64_t b = 0; b < n / 32; ++b) {
    const std::byte* p = row + b * block_bytes;
    int32_t isum = 0, qsum = 0;
    Element e{};
    for (int j = 0; j < 32; ++j) {
      e = element(type, p, j);
      isum += (e.code - e.offset) * x[b].q[j];
      qsum += x[b].q[j];
    }
    EXPECT_EQ(qsum, xq.sums[b]);
    acc = std::fma(e.d * f16_to_f32(x[b].d), static_cast<float>(isum), acc);
    mins = std::fma(e.m, xq.s[b], mins);
  }
  return acc + mins;
}

// ggml's block_q8_1 s: d·Σq rounded to F16, d = max|x|/127 unrounded.
Quantized quantized(const std::vector<float>& x) {
  const size_t blocks = x.size() / 32;
  Quantized q{std::vector<BlockQ8_0>(blocks), std::vector<int32_t>(blocks), std::vector<float>(blocks)};
  quantize_row_q8_0(x.data(), q.blocks.data(), static_cast<int64_t>(x.size()), q.sums.data(), q.s.data());
  for (size_t b = 0; b < blocks; ++b) {
    float amax = 0;
    for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(x[32 * b + j]));
    EXPECT_EQ(q.s[b], f16_to_f32(f32_to_f16(amax / 127.f * static_cast<float>(q.sums[b])))) << b;
  }
  return q;
}

const DType kTypes[] = {DType::Q4_1, DType::Q5_0, DType::Q5_1};

class BlockDot : public ::testing::TestWithParam<DType> {};

TEST_P(BlockDot, QuantizedRowsGiveTheBlockDefinitionBits) {
  const DType type = GetParam();
  const int64_t n = 384;  // 12 blocks: not whole K-quant super-blocks, what the mixes fall back on
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    const auto w = testing::store_matrix(testing::random_floats(n, seed), 1, n, type);
    const auto x = quantized(testing::random_floats(n, 100 + seed));
    const float got = block_row_dot(type)(w.bytes.data(), x.blocks.data(), x.sums.data(), x.s.data(), n);
    ASSERT_EQ(got, reference_dot(type, w.bytes.data(), x, n)) << "seed " << seed;
    // Against the product in double of the decoded weights and the
    // dequantized activation: off by float rounding, and in each block by
    // s's and d8's F16 roundings (half an F16 step each, 2^-11 of m·s).
    double exact = 0, mag = 0, s_rounding = 0;
    for (int64_t i = 0; i < n; ++i) {
      const double xi = x.blocks[i / 32].q[i % 32] * static_cast<double>(f16_to_f32(x.blocks[i / 32].d));
      exact += w.decoded[i] * xi;
      mag += std::fabs(w.decoded[i] * xi);
    }
    for (int64_t b = 0; b < n / 32; ++b)
      s_rounding += std::fabs(element(type, w.bytes.data() + b * type_traits(type).block_bytes, 0).m * x.s[b]) / 1024;
    ASSERT_NEAR(got, exact, 1e-5 * mag + s_rounding) << "seed " << seed;
  }
}

// Random bytes reach every code and every pattern of 5th bits.
TEST_P(BlockDot, EveryBitPatternGivesTheBlockDefinitionBits) {
  const DType type = GetParam();
  const int64_t n = 256;
  const int64_t block_bytes = type_traits(type).block_bytes;
  std::mt19937 rng(5);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<std::byte> row(type_traits(type).row_bytes(n));
    for (std::byte& b : row) b = static_cast<std::byte>(rng());
    for (int64_t b = 0; b < n / 32; ++b) {  // finite d (and m) in [-1.5, 1.5)
      uint8_t* p = reinterpret_cast<uint8_t*>(row.data()) + b * block_bytes;
      for (size_t at : type == DType::Q5_0 ? std::vector<size_t>{0} : std::vector<size_t>{0, 2}) {
        const uint16_t h = f32_to_f16(static_cast<float>(static_cast<int>(rng() % 3000) - 1500) / 1000.f);
        std::memcpy(p + at, &h, 2);
      }
    }
    const auto x = quantized(testing::random_floats(n, 300 + trial, 5.f));
    ASSERT_EQ(block_row_dot(type)(row.data(), x.blocks.data(), x.sums.data(), x.s.data(), n),
              reference_dot(type, row.data(), x, n))
        << "trial " << trial;
  }
}

INSTANTIATE_TEST_SUITE_P(Types, BlockDot, ::testing::ValuesIn(kTypes),
                         [](const auto& info) { return std::string(type_traits(info.param).name); });

TEST(BlockDot, OnlyTheseTypesHaveOne) {
  for (DType t : kTypes) EXPECT_NE(block_row_dot(t), nullptr);
  for (DType t : {DType::F32, DType::Q8_0, DType::Q4_0, DType::Q4_K}) EXPECT_EQ(block_row_dot(t), nullptr);
}

}  // namespace
}  // namespace reach::run
