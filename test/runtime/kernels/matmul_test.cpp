#include "kernels/matmul.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "kernels/quant.h"
#include "reference.h"

namespace reach::run {
namespace {

// The activation as each kernel sees it (llama.cpp's vec_dot_type): F32 as is,
// rounded to F16 for F16 weights, quantized to Q8_0 for Q8_0/Q4_0 weights.
std::vector<float> activation_as_seen(DType w_type, const std::vector<float>& x) {
  std::vector<float> seen = x;
  if (w_type == DType::F16)
    for (float& v : seen) v = fp16_to_fp32(fp32_to_fp16(v));
  if (w_type == DType::Q8_0 || w_type == DType::Q4_0) {
    std::vector<BlockQ8_0> q(x.size() / 32);
    quantize_row_q8_0(x.data(), q.data(), static_cast<int64_t>(x.size()));
    dequantize_row(DType::Q8_0, reinterpret_cast<const std::byte*>(q.data()), seen.data(),
                   static_cast<int64_t>(x.size()));
  }
  return seen;
}

struct Case {
  DType type;
  int64_t rows, cols;
};

class MatMul : public ::testing::TestWithParam<Case> {};

// GEMV against a double-precision loop over the decoded weights and the
// activation the kernel is documented to see: only float summation order
// differs, so 1e-5 of sum |w·x| bounds the error.
TEST_P(MatMul, GemvMatchesDoubleReference) {
  const auto [type, rows, cols] = GetParam();
  const auto w = testing::store_matrix(testing::random_floats(rows * cols, 1), rows, cols, type);
  const auto x = testing::random_floats(cols, 2);
  const auto seen = activation_as_seen(type, x);
  for (int threads : {1, 2, 3}) {
    ThreadPool pool(threads);
    std::vector<float> y(rows, NAN);
    matmul_kernel_for(w.view).gemv(w.view, x.data(), y.data(), pool);
    for (int64_t r = 0; r < rows; ++r) {
      double ref = 0, mag = 0;
      for (int64_t c = 0; c < cols; ++c) {
        ref += static_cast<double>(w.decoded[r * cols + c]) * seen[c];
        mag += std::fabs(static_cast<double>(w.decoded[r * cols + c]) * seen[c]);
      }
      ASSERT_NEAR(y[r], ref, 1e-5 * mag + 1e-6) << "row " << r << " threads " << threads;
    }
  }
}

// Quantized activations are an approximation: against the exact product of
// the decoded weights and the unrounded x, Q8_0 activations stay within
// 1% of sum |w·x| (half a step of 1/127 of the block maximum per element).
TEST_P(MatMul, GemvWithinStatedToleranceOfExactActivation) {
  const auto [type, rows, cols] = GetParam();
  const auto w = testing::store_matrix(testing::random_floats(rows * cols, 3), rows, cols, type);
  const auto x = testing::random_floats(cols, 4);
  ThreadPool pool(2);
  std::vector<float> y(rows);
  matmul_kernel_for(w.view).gemv(w.view, x.data(), y.data(), pool);
  for (int64_t r = 0; r < rows; ++r) {
    double ref = 0, mag = 0;
    for (int64_t c = 0; c < cols; ++c) {
      ref += static_cast<double>(w.decoded[r * cols + c]) * x[c];
      mag += std::fabs(static_cast<double>(w.decoded[r * cols + c]) * x[c]);
    }
    ASSERT_NEAR(y[r], ref, 1e-2 * mag) << r;
  }
}

// GEMM (prefill): each activation row as the GEMV would see it, times the
// decoded weights, so prefill and decode compute the same products.
TEST_P(MatMul, GemmMatchesDoubleReference) {
  const auto [type, rows, cols] = GetParam();
  const auto w = testing::store_matrix(testing::random_floats(rows * cols, 5), rows, cols, type);
  const int64_t n = 5;
  const auto x_raw = testing::random_floats(n * cols, 6);
  std::vector<float> x;  // what the kernel multiplies
  for (int64_t t = 0; t < n; ++t) {
    const auto row = activation_as_seen(type, {x_raw.begin() + t * cols, x_raw.begin() + (t + 1) * cols});
    x.insert(x.end(), row.begin(), row.end());
  }
  for (int threads : {1, 2}) {
    ThreadPool pool(threads);
    std::vector<float> y(n * rows, NAN);
    matmul_kernel_for(w.view).gemm(w.view, x_raw.data(), n, y.data(), pool);
    for (int64_t t = 0; t < n; ++t)
      for (int64_t r = 0; r < rows; ++r) {
        double ref = 0, mag = 0;
        for (int64_t c = 0; c < cols; ++c) {
          ref += static_cast<double>(w.decoded[r * cols + c]) * x[t * cols + c];
          mag += std::fabs(static_cast<double>(w.decoded[r * cols + c]) * x[t * cols + c]);
        }
        ASSERT_NEAR(y[t * rows + r], ref, 1e-5 * mag + 1e-6) << "token " << t << " row " << r;
      }
  }
}

INSTANTIATE_TEST_SUITE_P(Types, MatMul,
                         ::testing::Values(Case{DType::F32, 37, 45}, Case{DType::F32, 130, 256},
                                           Case{DType::F16, 37, 45}, Case{DType::F16, 67, 160},
                                           Case{DType::BF16, 29, 41}, Case{DType::Q8_0, 37, 96},
                                           Case{DType::Q8_0, 200, 320}, Case{DType::Q4_0, 37, 96},
                                           Case{DType::Q4_0, 130, 512}),
                         [](const auto& info) {
                           return std::string(dtype_info(info.param.type).name) + "_" +
                                  std::to_string(info.param.rows) + "x" + std::to_string(info.param.cols);
                         });

// llama.cpp's AVX2 ggml_vec_dot_q8_0_q8_0 / _q4_0_q8_0, written out in
// scalar code: eight 32-bit lanes, each the exact integer dot product of 4
// consecutive elements of a block, FMA'd per lane in block order with
// d = d_w·d_x, then hsum_float_8's order. The GEMV kernels (several rows per
// pass, Q4_0 without the sign trick) must give these very bits, so decode
// computes what llama.cpp computes.
float ggml_avx2_vec_dot(const std::byte* row, DType type, const std::vector<BlockQ8_0>& x) {
  float acc[8] = {};
  for (size_t b = 0; b < x.size(); ++b) {
    int8_t w[32];
    float dw;
    if (type == DType::Q8_0) {
      const auto* blk = reinterpret_cast<const BlockQ8_0*>(row) + b;
      std::memcpy(w, blk->q, 32);
      dw = fp16_to_fp32(blk->d);
    } else {
      const auto* blk = reinterpret_cast<const BlockQ4_0*>(row) + b;
      for (int i = 0; i < 16; ++i) {
        w[i] = static_cast<int8_t>((blk->q[i] & 0x0F) - 8);
        w[i + 16] = static_cast<int8_t>((blk->q[i] >> 4) - 8);
      }
      dw = fp16_to_fp32(blk->d);
    }
    const float d = dw * fp16_to_fp32(x[b].d);
    for (int l = 0; l < 8; ++l) {
      int32_t p = 0;
      for (int i = 4 * l; i < 4 * l + 4; ++i) p += int32_t{w[i]} * x[b].q[i];
      acc[l] = std::fma(d, static_cast<float>(p), acc[l]);
    }
  }
  float s[4];
  for (int i = 0; i < 4; ++i) s[i] = acc[i] + acc[i + 4];
  return (s[0] + s[2]) + (s[1] + s[3]);
}

TEST(MatMulKernel, QuantizedGemvGivesLlamaCppBits) {
  for (DType type : {DType::Q8_0, DType::Q4_0})
    for (int64_t rows : {1, 3, 4, 5, 37, 130})
      for (int64_t cols : {32, 96, 2048}) {
        const auto w = testing::store_matrix(testing::random_floats(rows * cols, 7), rows, cols, type);
        const auto x = testing::random_floats(cols, 8);
        std::vector<BlockQ8_0> xq(cols / 32);
        quantize_row_q8_0(x.data(), xq.data(), cols);
        const size_t row_bytes = w.bytes.size() / static_cast<size_t>(rows);
        for (int threads : {1, 2, 3}) {
          ThreadPool pool(threads);
          std::vector<float> y(rows, NAN);
          matmul_kernel_for(w.view).gemv(w.view, x.data(), y.data(), pool);
          for (int64_t r = 0; r < rows; ++r)
            ASSERT_EQ(y[r], ggml_avx2_vec_dot(w.bytes.data() + r * row_bytes, type, xq))
                << dtype_info(type).name << " " << rows << "x" << cols << " row " << r << " threads " << threads;
        }
      }
}

// Prefill's int8 GEMM against decode's GEMV on each activation row: the same
// bits, so batched prefill and token-by-token decode cannot drift apart.
TEST(MatMulKernel, GemmAgreesWithGemvRowByRow) {
  for (DType type : {DType::Q8_0, DType::Q4_0})
    for (auto [rows, cols] : {std::pair<int64_t, int64_t>{32, 64}, {64, 64}, {13, 96}, {130, 512}})
      for (int64_t n : {2, 5, 9}) {
        const auto w = testing::store_matrix(testing::random_floats(rows * cols, 9), rows, cols, type);
        const auto x = testing::random_floats(n * cols, 10);
        for (int threads : {1, 3}) {
          ThreadPool pool(threads);
          std::vector<float> y(n * rows, NAN), yv(rows, NAN);
          matmul_kernel_for(w.view).gemm(w.view, x.data(), n, y.data(), pool);
          for (int64_t t = 0; t < n; ++t) {
            matmul_kernel_for(w.view).gemv(w.view, x.data() + t * cols, yv.data(), pool);
            for (int64_t r = 0; r < rows; ++r)
              ASSERT_EQ(y[t * rows + r], yv[r])
                  << dtype_info(type).name << " " << rows << "x" << cols << " n " << n << " t " << t << " r " << r;
          }
        }
      }
}

TEST(MatMulKernel, RejectsRowsThatAreNotWholeBlocks) {
  std::vector<std::byte> bytes(34 * 3);
  TensorView w{"bad", DType::Q8_0, {3, 40}, bytes.data(), bytes.size()};
  EXPECT_THROW(matmul_kernel_for(w), std::invalid_argument);
}

}  // namespace
}  // namespace reach::run
