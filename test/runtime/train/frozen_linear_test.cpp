// FrozenLinear's products on every storage type against a plain double
// loop over the same weights dequantized by the type table.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "formats/tensor_type.h"
#include "train/frozen_linear.h"

namespace reach::run::train {
namespace {

struct Stored {
  std::vector<std::byte> bytes;
  TensorView view;
  std::vector<double> w;  // the weights as the type table dequantizes them
};

Stored stored(DType type, int64_t rows, int64_t cols) {
  std::mt19937_64 rng(1);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  const TypeTraits& t = type_traits(type);
  Stored s;
  s.bytes.resize(t.row_bytes(cols) * static_cast<size_t>(rows));
  std::vector<float> row(static_cast<size_t>(cols)), back(row.size());
  for (int64_t r = 0; r < rows; ++r) {
    for (float& v : row) v = normal(rng);
    std::byte* at = s.bytes.data() + static_cast<size_t>(r) * t.row_bytes(cols);
    t.from_float(row.data(), at, cols);
    t.to_float(at, back.data(), cols);
    s.w.insert(s.w.end(), back.begin(), back.end());
  }
  s.view = {"w", type, {rows, cols}, s.bytes.data(), s.bytes.size()};
  return s;
}

class Types : public ::testing::TestWithParam<DType> {};

TEST_P(Types, ForwardAndBackwardEqualThePlainProducts) {
  const int64_t rows = 300, cols = 256, n = 19;  // more rows than one block, tokens not a multiple of the grain
  const Stored s = stored(GetParam(), rows, cols);
  std::mt19937_64 rng(2);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> x(static_cast<size_t>(n * cols)), dy(static_cast<size_t>(n * rows));
  for (float& v : x) v = normal(rng);
  for (float& v : dy) v = normal(rng);
  ThreadPool pool(2);
  const FrozenLinear<float> w(&s.view);
  std::vector<float> y(dy.size()), dx(x.size(), 1.0f);
  w.forward(x.data(), n, y.data(), pool);
  w.backward(dy.data(), n, dx.data(), true, pool);  // += onto ones
  for (int64_t t = 0; t < n; ++t) {
    for (int64_t r = 0; r < rows; ++r) {
      double want = 0;
      for (int64_t k = 0; k < cols; ++k) want += x[t * cols + k] * s.w[r * cols + k];
      ASSERT_NEAR(y[t * rows + r], want, 1e-4 * (1 + std::fabs(want))) << t << "," << r;
    }
    for (int64_t k = 0; k < cols; ++k) {
      double want = 1.0;
      for (int64_t r = 0; r < rows; ++r) want += dy[t * rows + r] * s.w[r * cols + k];
      ASSERT_NEAR(dx[t * cols + k], want, 1e-4 * (1 + std::fabs(want))) << t << "," << k;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllStorage, Types,
                         ::testing::Values(DType::F32, DType::F16, DType::BF16, DType::Q8_0, DType::Q4_0, DType::Q4_K,
                                           DType::Q6_K, DType::Q2_K),
                         [](const auto& info) { return std::string(type_traits(info.param).name); });

}  // namespace
}  // namespace reach::run::train
