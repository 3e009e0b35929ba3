// Every block-quantized type's row conversions against llama.cpp's own
// library: the libggml-base.so that node-llama-cpp ships (loaded with
// dlopen, nothing vendored). Quantizing the same floats must give the
// bytes of ggml's reference quantizer (what llama-quantize runs without an
// importance matrix), and dequantizing any bytes the floats of ggml's
// dequantizer, bit for bit.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "formats/tensor_type.h"

namespace reach::run {
namespace {

using Quantize = void (*)(const float* x, void* y, int64_t k);
using Dequantize = void (*)(const void* x, float* y, int64_t k);

void* ggml() {
  static void* lib = dlopen(REACH_GGML_BASE_LIB, RTLD_NOW | RTLD_LOCAL);
  return lib;
}

template <class Fn>
Fn symbol(const std::string& name) {
  if (!ggml()) ADD_FAILURE() << "cannot load " << REACH_GGML_BASE_LIB << ": " << dlerror();
  void* s = ggml() ? dlsym(ggml(), name.c_str()) : nullptr;
  if (!s) ADD_FAILURE() << "libggml-base.so has no " << name;
  return reinterpret_cast<Fn>(s);
}

// Rows that exercise the quantizers' branches: normal weights, uniform,
// heavy outliers, blocks all zero or constant, values near zero, and
// all-positive and all-negative blocks (the minimum clamps).
std::vector<float> test_row(int kind, int64_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 0.02f);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  std::vector<float> x(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    float v = normal(rng);
    switch (kind) {
      case 1: v = uniform(rng); break;
      case 2: v = (i % 97 == 0) ? 40.0f * uniform(rng) : normal(rng); break;
      case 3: v = (i / 256) % 2 ? 0.0f : 0.75f; break;
      case 4: v = 1e-7f * uniform(rng); break;
      case 5: v = std::fabs(normal(rng)) + 0.5f; break;
      case 6: v = -std::fabs(uniform(rng)) - 3.0f; break;
      default: break;
    }
    x[static_cast<size_t>(i)] = v;
  }
  return x;
}

class QuantRows : public ::testing::TestWithParam<DType> {};

TEST_P(QuantRows, QuantizeGivesGgmlsBytesAndDequantizeItsFloats) {
  const TypeTraits& t = type_traits(GetParam());
  std::string lower(t.name);  // ggml's names: q4_0, q4_K
  lower[0] = 'q';
  const auto quantize = symbol<Quantize>("quantize_row_" + lower + "_ref");
  const auto dequantize = symbol<Dequantize>("dequantize_row_" + lower);
  ASSERT_TRUE(quantize && dequantize);
  const int64_t n = 4096;
  for (int kind = 0; kind <= 6; ++kind) {
    const std::vector<float> x = test_row(kind, n, 100u + static_cast<unsigned>(kind));
    std::vector<std::byte> ours(t.row_bytes(n)), theirs(t.row_bytes(n));
    t.from_float(x.data(), ours.data(), n);
    quantize(x.data(), theirs.data(), n);
    for (size_t i = 0; i < ours.size(); ++i)
      ASSERT_EQ(ours[i], theirs[i]) << t.name << " rows of kind " << kind << ": byte " << i << " of block "
                                    << i / static_cast<size_t>(t.block_bytes);
    std::vector<float> y_ours(static_cast<size_t>(n)), y_theirs(static_cast<size_t>(n));
    t.to_float(ours.data(), y_ours.data(), n);
    dequantize(ours.data(), y_theirs.data(), n);
    ASSERT_EQ(std::memcmp(y_ours.data(), y_theirs.data(), y_ours.size() * sizeof(float)), 0)
        << t.name << " rows of kind " << kind;
  }
  // Arbitrary bytes too (a file may hold codes no quantizer writes), with
  // the half-precision scales kept finite.
  std::mt19937 rng(7);
  std::vector<std::byte> bytes(t.row_bytes(n));
  for (std::byte& b : bytes) b = static_cast<std::byte>(rng() & 0x3F);
  std::vector<float> y_ours(static_cast<size_t>(n)), y_theirs(static_cast<size_t>(n));
  t.to_float(bytes.data(), y_ours.data(), n);
  dequantize(bytes.data(), y_theirs.data(), n);
  EXPECT_EQ(std::memcmp(y_ours.data(), y_theirs.data(), y_ours.size() * sizeof(float)), 0) << t.name;
}

// The kernels pick the K-quant path from the table (row_groups.cpp):
// exactly ggml's K-quants, whose names end in _K, are k_quant().
TEST(TypeTraits, KQuantsAreTheTypesNamedK) {
  for (int i = 0; i <= static_cast<int>(DType::Q6_K); ++i) {
    const TypeTraits& t = type_traits(static_cast<DType>(i));
    EXPECT_EQ(t.k_quant(), t.name.ends_with("_K")) << t.name;
  }
}

INSTANTIATE_TEST_SUITE_P(Types, QuantRows,
                         ::testing::Values(DType::Q8_0, DType::Q4_0, DType::Q4_1, DType::Q5_0, DType::Q5_1,
                                           DType::Q2_K, DType::Q3_K, DType::Q4_K, DType::Q5_K, DType::Q6_K),
                         [](const auto& info) { return std::string(type_traits(info.param).name); });

}  // namespace
}  // namespace reach::run
