// The GPU's decoders of Q4_1/Q5_0/Q5_1 and the K-quants (block_codes.h),
// compiled for the host: every element has the bits of the CPU's
// dequantization, and a row's product from the group dots equals the CPU
// backend's GEMV on the same activation (the same integer sums, summed in
// another order). Runs without a GPU: what the kernels add on top (which
// lane reads which group, the activation's quantization) backend_ops_test
// checks on one.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "kernels/cuda/block_codes.h"
#include "kernels/q8_k.h"
#include "kernels/matmul.h"
#include "kernels/packed_storage.h"
#include "kernels/quant.h"
#include "kernels/thread_pool.h"
#include "reference.h"

namespace reach::run {
namespace {

namespace codes = cuda::codes;
using testing::random_floats;

const DType kTypes[] = {DType::Q4_1, DType::Q5_0, DType::Q5_1, DType::Q2_K,
                        DType::Q3_K, DType::Q4_K, DType::Q5_K, DType::Q6_K};

float element(DType type, const std::byte* data, int64_t cols, int64_t r, int64_t c) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(data);
  return codes::with_type(type, [&]<DType Type>() { return codes::element_of<Type>(bytes, cols, r, c); });
}

TEST(BlockCodes, EveryElementHasTheCpuDequantizationsBits) {
  const int64_t rows = 3, cols = 512;
  for (DType type : kTypes) {
    const auto m = testing::store_matrix(random_floats(rows * cols, 31, 2.0f), rows, cols, type);
    std::vector<float> want(cols);
    for (int64_t r = 0; r < rows; ++r) {
      dequantize_row(type, m.bytes.data() + r * m.view.row_bytes(), want.data(), cols);
      for (int64_t c = 0; c < cols; ++c)
        ASSERT_EQ(element(type, m.bytes.data(), cols, r, c), want[c]) << type_traits(type).name << " (" << r << ", " << c << ")";
    }
  }
}

// Row r's product with x from the group dots, as the GEMV kernel sums them
// (one lane's groups in order, then the lanes).
float codes_row_dot(DType type, const std::byte* row, const std::vector<float>& x) {
  const auto cols = static_cast<int64_t>(x.size());
  const auto* w = reinterpret_cast<const uint8_t*>(row);
  std::vector<float> lanes(32, 0.0f);
  if (codes::k_quant(type)) {
    std::vector<BlockQ8K> xq(cols / 256);
    quantize_row_q8_k(x.data(), xq.data(), cols);
    codes::with_type(type, [&]<DType Type>() {
      for (int64_t g = 0; g < cols / 32; ++g) {
        const BlockQ8K& a = xq[g / 8];
        uint32_t q8[8];
        std::memcpy(q8, a.qs + 32 * (g % 8), 32);
        lanes[g % 32] += codes::k_group_dot(codes::decode<Type>(w + g / 8 * codes::kBlockBytes<Type>, g % 8), q8, a.d);
      }
    });
  } else {
    std::vector<BlockQ8_0> xq(cols / 32);
    std::vector<int32_t> sums(cols / 32);
    std::vector<float> s(cols / 32);
    quantize_row_q8_0(x.data(), xq.data(), cols, sums.data(), s.data());
    codes::with_type(type, [&]<DType Type>() {
      for (int64_t b = 0; b < cols / 32; ++b) {
        uint32_t q8[8];
        std::memcpy(q8, xq[b].q, 32);
        lanes[b % 32] += codes::block32_dot(codes::decode<Type>(w + b * codes::kBlockBytes<Type>, 0), q8,
                                            f16_to_f32(xq[b].d), s[b]);
      }
    });
  }
  float sum = 0;
  for (float v : lanes) sum += v;
  return sum;
}

TEST(BlockCodes, GroupDotsGiveTheCpuGemv) {
  ThreadPool pool(1);
  const int64_t rows = 40, cols = 2048;
  for (DType type : kTypes) {
    const auto m = testing::store_matrix(random_floats(rows * cols, 32), rows, cols, type);
    PackedStorage storage(WeightMatrix::packed_bytes(m.view));
    const WeightMatrix cpu(m.view, storage, pool);
    const auto x = random_floats(cols, 33);
    std::vector<float> want(rows);
    cpu.gemv(x.data(), want.data(), pool);
    std::vector<float> w(cols);
    for (int64_t r = 0; r < rows; ++r) {
      // Both sum the same exact integer products in another order: they
      // differ by float roundings of the terms, bounded through Σ |w·x|
      // (a wrong scale or minimum on one group moves the sum by far more).
      dequantize_row(type, m.bytes.data() + r * m.view.row_bytes(), w.data(), cols);
      double magnitude = 0;
      for (int64_t c = 0; c < cols; ++c) magnitude += std::fabs(double{w[c]} * x[c]);
      const float got = codes_row_dot(type, m.bytes.data() + r * m.view.row_bytes(), x);
      EXPECT_NEAR(got, want[r], 1e-6 * magnitude) << type_traits(type).name << " row " << r;
    }
  }
}

}  // namespace
}  // namespace reach::run
