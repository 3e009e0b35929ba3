#include "kernels/matmul.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include "kernels/block_dot.h"
#include "k_quant_reference.h"
#include "kernels/q8_k.h"
#include "kernels/quant.h"
#include "kernels/row_groups_layout.h"
#include "reference.h"

namespace reach::run {
namespace {

const DType kKQuants[] = {DType::Q2_K, DType::Q3_K, DType::Q4_K, DType::Q5_K, DType::Q6_K};

bool is_k_quant(DType type) { return type_traits(type).k_quant(); }

// The activation as each kernel sees it (llama.cpp's vec_dot_type): F32 as is,
// rounded to F16 for F16 weights, quantized to Q8_0 for Q8_0/Q4_0 (and
// Q4_1/Q5_0/Q5_1) weights
// and to Q8_K for the K-quants.
std::vector<float> activation_as_seen(DType w_type, const std::vector<float>& x) {
  std::vector<float> seen = x;
  if (is_k_quant(w_type)) {
    std::vector<BlockQ8K> q(x.size() / 256);
    quantize_row_q8_k(x.data(), q.data(), static_cast<int64_t>(x.size()));
    for (size_t i = 0; i < x.size(); ++i) seen[i] = q[i / 256].qs[i % 256] * q[i / 256].d;
  }
  if (w_type == DType::F16)
    for (float& v : seen) v = f16_to_f32(f32_to_f16(v));
  if (w_type == DType::Q8_0 || w_type == DType::Q4_0 || block_row_dot(w_type)) {
    std::vector<BlockQ8_0> q(x.size() / 32);
    quantize_row_q8_0(x.data(), q.data(), static_cast<int64_t>(x.size()));
    dequantize_row(DType::Q8_0, reinterpret_cast<const std::byte*>(q.data()), seen.data(),
                   static_cast<int64_t>(x.size()));
  }
  return seen;
}

// W packed for its kernel, with the storage it takes.
struct Packed {
  Packed(const TensorView& w, ThreadPool& pool, Isa isa = chosen_isa(), int64_t panel_columns = panel_width().columns)
      : storage(WeightMatrix::packed_bytes(w, panel_columns)), m(w, storage, pool, isa, panel_columns) {}
  PackedStorage storage;
  WeightMatrix m;
};

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
    Packed(w.view, pool).m.gemv(x.data(), y.data(), pool);
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
  Packed(w.view, pool).m.gemv(x.data(), y.data(), pool);
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
    Packed(w.view, pool).m.gemm(x_raw.data(), n, y.data(), pool);
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

// (Q4_1/Q5_1's minimums multiply an F16-rounded d8·Σq8, as in llama.cpp,
// which is not "the activation as seen" times the weights: their products
// are tested in block_dot_test.cpp, against that definition.)
INSTANTIATE_TEST_SUITE_P(Types, MatMul,
                         ::testing::Values(Case{DType::F32, 37, 45}, Case{DType::F32, 130, 256},
                                           Case{DType::F16, 37, 45}, Case{DType::F16, 67, 160},
                                           Case{DType::BF16, 29, 41}, Case{DType::Q8_0, 37, 96},
                                           Case{DType::Q8_0, 200, 320}, Case{DType::Q4_0, 37, 96},
                                           Case{DType::Q4_0, 130, 512}, Case{DType::Q5_0, 37, 384},
                                           Case{DType::Q2_K, 37, 256},
                                           Case{DType::Q3_K, 37, 512}, Case{DType::Q4_K, 37, 256},
                                           Case{DType::Q4_K, 130, 768}, Case{DType::Q5_K, 37, 512},
                                           Case{DType::Q6_K, 37, 256}, Case{DType::Q6_K, 67, 768}),
                         [](const auto& info) {
                           return std::string(type_traits(info.param.type).name) + "_" +
                                  std::to_string(info.param.rows) + "x" + std::to_string(info.param.cols);
                         });

// The quantized product as row_groups.h defines it, in scalar code: per
// block the exact integer dot product of the weight's and the activation's
// quants, FMA'd in block order with d = d_w·d_x. The kernels (eight rows
// interleaved, Q4_0's nibbles used unsigned and corrected by 8·Σx) must give
// these very bits, for every row of every group, the padded last one too.
float block_dot_reference(const std::byte* row, DType type, const std::vector<BlockQ8_0>& x) {
  float acc = 0.0f;
  for (size_t b = 0; b < x.size(); ++b) {
    int8_t w[32];
    float dw;
    if (type == DType::Q8_0) {
      const auto* blk = reinterpret_cast<const BlockQ8_0*>(row) + b;
      std::memcpy(w, blk->q, 32);
      dw = f16_to_f32(blk->d);
    } else {
      const auto* blk = reinterpret_cast<const BlockQ4_0*>(row) + b;
      for (int i = 0; i < 16; ++i) {
        w[i] = static_cast<int8_t>((blk->q[i] & 0x0F) - 8);
        w[i + 16] = static_cast<int8_t>((blk->q[i] >> 4) - 8);
      }
      dw = f16_to_f32(blk->d);
    }
    int32_t s = 0;
    for (int i = 0; i < 32; ++i) s += int32_t{w[i]} * x[b].q[i];
    acc = std::fma(dw * f16_to_f32(x[b].d), static_cast<float>(s), acc);
  }
  return acc;
}

TEST(MatMulKernel, QuantizedGemvGivesTheBlockDefinitionBits) {
  for (DType type : {DType::Q8_0, DType::Q4_0})
    for (int64_t rows : {1, 3, 8, 13, 37, 130})
      for (int64_t cols : {32, 96, 2048}) {
        const auto w = testing::store_matrix(testing::random_floats(rows * cols, 7), rows, cols, type);
        const auto x = testing::random_floats(cols, 8);
        std::vector<BlockQ8_0> xq(cols / 32);
        quantize_row_q8_0(x.data(), xq.data(), cols);
        const size_t row_bytes = w.bytes.size() / static_cast<size_t>(rows);
        for (int threads : {1, 2, 3}) {
          ThreadPool pool(threads);
          std::vector<float> y(rows + 1, NAN);
          Packed(w.view, pool).m.gemv(x.data(), y.data(), pool);
          for (int64_t r = 0; r < rows; ++r)
            ASSERT_EQ(y[r], block_dot_reference(w.bytes.data() + r * row_bytes, type, xq))
                << type_traits(type).name << " " << rows << "x" << cols << " row " << r << " threads " << threads;
          ASSERT_TRUE(std::isnan(y[rows])) << "wrote past the last row";
        }
      }
}

// Extreme quants: weights at the ends of their range against an activation
// of ±127 everywhere, the case where an int16 partial sum would overflow if
// the kernel added more products than it may before widening them.
TEST(MatMulKernel, QuantizedGemvExactAtExtremeQuants) {
  for (DType type : {DType::Q8_0, DType::Q4_0}) {
    const int64_t rows = 9, cols = 64;
    std::vector<float> wf(rows * cols), x(cols);
    // Q4_0: d = 1, so 7 is nibble 15 and -8 nibble 0; Q8_0: 7 -> 111, -8 -> -127.
    for (int64_t i = 0; i < rows * cols; ++i) wf[i] = (i / 3) % 2 ? 7.0f : -8.0f;
    for (int64_t c = 0; c < cols; ++c) x[c] = c % 5 ? -1.0f : 1.0f;
    const auto w = testing::store_matrix(wf, rows, cols, type);
    std::vector<BlockQ8_0> xq(cols / 32);
    quantize_row_q8_0(x.data(), xq.data(), cols);
    ThreadPool pool(1);
    std::vector<float> y(rows);
    Packed(w.view, pool).m.gemv(x.data(), y.data(), pool);
    const size_t row_bytes = w.bytes.size() / static_cast<size_t>(rows);
    for (int64_t r = 0; r < rows; ++r)
      ASSERT_EQ(y[r], block_dot_reference(w.bytes.data() + r * row_bytes, type, xq)) << type_traits(type).name;
  }
}

// Prefill's GEMM (four activation rows per pass, then one at a time) against
// decode's GEMV on each activation row: the same bits, so batched prefill and
// token-by-token decode cannot drift apart.
TEST(MatMulKernel, GemmAgreesWithGemvRowByRow) {
  for (DType type : {DType::Q8_0, DType::Q4_0, DType::Q2_K, DType::Q3_K, DType::Q4_K, DType::Q5_K, DType::Q6_K})
    for (auto [rows, cols] : {std::pair<int64_t, int64_t>{32, 256}, {64, 512}, {13, 256}, {130, 512}})
      for (int64_t n : {2, 5, 9}) {
        const auto w = testing::store_matrix(testing::random_floats(rows * cols, 9), rows, cols, type);
        const auto x = testing::random_floats(n * cols, 10);
        for (int threads : {1, 3}) {
          ThreadPool pool(threads);
          std::vector<float> y(n * rows, NAN), yv(rows, NAN);
          const Packed packed(w.view, pool);
          const WeightMatrix& m = packed.m;
          m.gemm(x.data(), n, y.data(), pool);
          for (int64_t t = 0; t < n; ++t) {
            m.gemv(x.data() + t * cols, yv.data(), pool);
            for (int64_t r = 0; r < rows; ++r)
              ASSERT_EQ(y[t * rows + r], yv[r])
                  << type_traits(type).name << " " << rows << "x" << cols << " n " << n << " t " << t << " r " << r;
          }
        }
      }
}

// Every instruction-set variant of the Q8_0/Q4_0 kernel (row_groups_kernel.h)
// gives the block definition's bits, on shapes that leave partial tiles
// everywhere: rows not a multiple of the 8-row group, token counts that are
// not a multiple of any variant's pass (1, 3, 17) and a prompt's 512. A
// variant this CPU cannot run is reported as skipped, by name.
class IsaVariant : public ::testing::TestWithParam<Isa> {
 protected:
  void SetUp() override {
    if (!cpu_runs(GetParam())) GTEST_SKIP() << "this CPU cannot run " << isa_name(GetParam());
  }
};

// Y[t, r] for every token and row, against block_dot_reference.
void expect_reference_bits(const testing::StoredMatrix& w, DType type, int64_t rows, int64_t cols,
                           const std::vector<float>& x, int64_t n, const std::vector<float>& y) {
  const size_t row_bytes = w.bytes.size() / static_cast<size_t>(rows);
  std::vector<BlockQ8_0> xq(cols / 32);
  for (int64_t t = 0; t < n; ++t) {
    quantize_row_q8_0(x.data() + t * cols, xq.data(), cols);
    for (int64_t r = 0; r < rows; ++r)
      ASSERT_EQ(y[t * rows + r], block_dot_reference(w.bytes.data() + r * row_bytes, type, xq))
          << type_traits(type).name << " " << rows << "x" << cols << " n " << n << " token " << t << " row " << r;
  }
  ASSERT_TRUE(std::isnan(y[n * rows])) << "wrote past the last row";
}

TEST_P(IsaVariant, GemmGivesTheBlockDefinitionBits) {
  for (DType type : {DType::Q8_0, DType::Q4_0})
    for (auto [rows, cols] : {std::pair<int64_t, int64_t>{1, 32}, {13, 96}, {37, 160}, {130, 2048}})
      for (int64_t n : {1, 3, 17, 512}) {
        const auto w = testing::store_matrix(testing::random_floats(rows * cols, 11), rows, cols, type);
        const auto x = testing::random_floats(n * cols, 12);
        ThreadPool pool(2);
        const Packed packed(w.view, pool, GetParam());
        ASSERT_EQ(packed.m.isa(), GetParam());
        std::vector<float> y(n * rows + 1, NAN);
        packed.m.gemm(x.data(), n, y.data(), pool);
        expect_reference_bits(w, type, rows, cols, x, n, y);
      }
}

// Column panels (kernels/row_groups.h): rows packed and multiplied as panels
// of at most `panel` columns, each row's accumulator carried from panel to
// panel in y, give the block definition's bits in decode and prefill, in
// every variant, panels of one superblock up to the whole row.
TEST_P(IsaVariant, ColumnPanelsGiveTheBlockDefinitionBits) {
  for (DType type : {DType::Q8_0, DType::Q4_0})
    for (auto [rows, cols] : {std::pair<int64_t, int64_t>{13, 416}, {37, 1056}, {130, 2080}})
      for (int64_t panel : {32, 128, 160, 512, 2048})
        for (int64_t n : {1, 3, 17}) {
          const auto w = testing::store_matrix(testing::random_floats(rows * cols, 13), rows, cols, type);
          const auto x = testing::random_floats(n * cols, 14);
          ThreadPool pool(2);
          const Packed packed(w.view, pool, GetParam(), panel);
          std::vector<float> y(n * rows + 1, NAN);
          if (n == 1) packed.m.gemv(x.data(), y.data(), pool);
          else packed.m.gemm(x.data(), n, y.data(), pool);
          SCOPED_TRACE("panel " + std::to_string(panel));
          expect_reference_bits(w, type, rows, cols, x, n, y);
        }
}

// Several matrices of one input (decode's q, k and v; gate and up) through
// WeightMatrix::gemm_each: each Y gets the bits of its own product, and
// where the kernels share the quantized activation the matrices take as
// many calls of the pool as one of them alone (one pass, not one each).
// Row counts that are not whole pairs of groups put the boundaries between
// matrices inside the threads' pieces; panels and mixed types included.
TEST_P(IsaVariant, ProductsOfOneInputGiveEachItsOwnBitsInOnePass) {
  struct Set {
    std::vector<DType> types;
    int64_t cols, panel;
    bool one_pass;
  };
  const Set sets[] = {{{DType::Q4_0, DType::Q8_0, DType::Q4_0}, 1056, 2048, true},
                      {{DType::Q8_0, DType::Q4_0}, 1056, 128, true},  // three panels
                      {{DType::Q4_K, DType::Q6_K, DType::Q4_K}, 512, 2048, true},
                      {{DType::Q5_K, DType::Q2_K, DType::Q3_K}, 512, 2048, true},
                      {{DType::Q4_0, DType::Q4_K}, 512, 2048, false},  // different activations
                      {{DType::Q6_K, DType::F16}, 512, 2048, false}};
  const int64_t rows_of[] = {13, 130, 37};
  for (const Set& set : sets)
    for (int64_t n : {1, 3, 17}) {
      ThreadPool pool(3);
      std::vector<testing::StoredMatrix> stored;
      std::vector<std::unique_ptr<Packed>> packed;
      for (size_t i = 0; i < set.types.size(); ++i) {
        const int64_t rows = rows_of[i];
        stored.push_back(testing::store_matrix(testing::random_floats(rows * set.cols, 30 + i), rows, set.cols,
                                               set.types[i]));
        packed.push_back(std::make_unique<Packed>(stored.back().view, pool, GetParam(), set.panel));
      }
      const auto x = testing::random_floats(n * set.cols, 40);
      std::vector<std::vector<float>> y, alone;
      std::vector<WeightMatrix::Product> products;
      for (size_t i = 0; i < set.types.size(); ++i) {
        y.emplace_back(n * rows_of[i] + 1, NAN);
        alone.emplace_back(n * rows_of[i], NAN);
      }
      for (size_t i = 0; i < set.types.size(); ++i) products.push_back({&packed[i]->m, y[i].data()});
      const uint64_t before = pool.calls();
      WeightMatrix::gemm_each(products, x.data(), n, pool);
      const uint64_t together = pool.calls() - before;
      for (size_t i = 0; i < set.types.size(); ++i) {
        const uint64_t start = pool.calls();
        if (n == 1) packed[i]->m.gemv(x.data(), alone[i].data(), pool);
        else packed[i]->m.gemm(x.data(), n, alone[i].data(), pool);
        const uint64_t calls_alone = pool.calls() - start;
        const std::string what = std::string(type_traits(set.types[i]).name) + " product " + std::to_string(i) +
                                 " of " + std::to_string(set.types.size()) + ", n " + std::to_string(n);
        if (set.one_pass && i == 0) EXPECT_EQ(together, calls_alone) << what;
        for (int64_t j = 0; j < n * rows_of[i]; ++j) ASSERT_EQ(y[i][j], alone[i][j]) << what << ", element " << j;
        ASSERT_TRUE(std::isnan(y[i][n * rows_of[i]])) << what << ": wrote past its last row";
      }
    }
}

// How a row's blocks are split: as evenly as whole superblocks (4 blocks)
// allow, no panel wider than asked (or than one superblock).
TEST(RowGroupPanels, SplitRowsIntoEvenPanelsOfWholeSuperblocks) {
  using row_groups::Panels;
  const auto sizes = [](const Panels& p) {
    std::vector<int64_t> s;
    for (int64_t i = 0; i < p.count(); ++i) {
      EXPECT_EQ(p.begin(i), i * p.width);
      s.push_back(p.size(i));
    }
    return s;
  };
  EXPECT_EQ(sizes(Panels(176, 64)), (std::vector<int64_t>{60, 60, 56}));  // 5632 columns, 2048 a panel
  EXPECT_EQ(sizes(Panels(13, 2)), (std::vector<int64_t>{4, 4, 4, 1}));
  EXPECT_EQ(sizes(Panels(13, 6)), (std::vector<int64_t>{4, 4, 4, 1}));
  EXPECT_EQ(sizes(Panels(64, 64)), (std::vector<int64_t>{64}));
  EXPECT_EQ(sizes(Panels(10, 0)), (std::vector<int64_t>{10}));
}

// The ends of both ranges: Q8_0 weight quants of -128 and 127 (a file may
// hold -128, which quantization never writes; the VNNI variants take the
// quant plus 128 as unsigned) and Q4_0 nibbles 0 and 15, against activation
// quants of ±127.
TEST_P(IsaVariant, ExactAtTheEndsOfTheQuantRanges) {
  const int64_t rows = 11, cols = 96, n = 5;
  for (DType type : {DType::Q8_0, DType::Q4_0}) {
    auto w = testing::store_matrix(std::vector<float>(rows * cols, 1.0f), rows, cols, type);
    const size_t row_bytes = w.bytes.size() / static_cast<size_t>(rows);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t b = 0; b < cols / 32; ++b) {
        std::byte* block = w.bytes.data() + r * row_bytes + b * type_traits(type).block_bytes;
        const uint16_t d = f32_to_f16(0.5f + 0.25f * static_cast<float>(r));
        std::memcpy(block, &d, 2);
        for (int i = 0; i < (type == DType::Q8_0 ? 32 : 16); ++i)
          block[2 + i] = std::byte(type == DType::Q8_0 ? ((i + r) % 3 ? 0x80 : 0x7F) : ((i + r) % 3 ? 0x0F : 0xF0));
      }
    std::vector<float> x(n * cols);
    for (int64_t i = 0; i < n * cols; ++i) x[i] = (i / 7) % 2 ? 3.0f : -3.0f;
    ThreadPool pool(1);
    const Packed packed(w.view, pool, GetParam());
    std::vector<float> y(n * rows + 1, NAN);
    packed.m.gemm(x.data(), n, y.data(), pool);
    expect_reference_bits(w, type, rows, cols, x, n, y);
  }
}

// Y[t, r] for every token and row against the K-quants' definition
// (k_quant_reference.h).
void expect_k_reference_bits(DType type, const std::vector<std::byte>& w, int64_t rows, int64_t cols,
                             const std::vector<float>& x, int64_t n, const std::vector<float>& y) {
  const size_t row_bytes = w.size() / static_cast<size_t>(rows);
  std::vector<BlockQ8K> xq(cols / 256);
  for (int64_t t = 0; t < n; ++t) {
    quantize_row_q8_k(x.data() + t * cols, xq.data(), cols);
    for (int64_t r = 0; r < rows; ++r) {
      const std::byte* row = w.data() + r * row_bytes;
      ASSERT_EQ(y[t * rows + r], testing::k_reference_dot(type, row, xq.data(), cols))
          << type_traits(type).name << " " << rows << "x" << cols << " n " << n << " token " << t << " row " << r;
    }
  }
  ASSERT_TRUE(std::isnan(y[n * rows])) << "wrote past the last row";
}

TEST_P(IsaVariant, KQuantGemmGivesTheDefinitionBits) {
  for (DType type : kKQuants)
    for (auto [rows, cols] : {std::pair<int64_t, int64_t>{1, 256}, {13, 512}, {37, 768}, {9, 1536}, {130, 2048}})
      for (int64_t n : {1, 3, 17, 512}) {
        const auto w = testing::store_matrix(testing::random_floats(rows * cols, 21), rows, cols, type);
        const auto x = testing::random_floats(n * cols, 22);
        ThreadPool pool(2);
        const Packed packed(w.view, pool, GetParam());
        std::vector<float> y(n * rows + 1, NAN);
        packed.m.gemm(x.data(), n, y.data(), pool);
        expect_k_reference_bits(type, w.bytes, rows, cols, x, n, y);
      }
}

// Random bytes reach every code, scale (Q3_K's and Q6_K's negative ones) and minimum a
// block can hold (a quantizer's output may never show some), against
// activations with an outlier that pushes the rest of its block's quants
// near 0 and one of ±127. Decode (one activation row) has kernels of its
// own, so it is held to them too.
TEST_P(IsaVariant, KQuantEveryBitPatternGivesTheDefinitionBits) {
  const int64_t rows = 11, cols = 512;
  std::mt19937 rng(3);
  for (DType type : kKQuants)
    for (int trial = 0; trial < 20; ++trial) {
      const int64_t n = trial % 2 ? 5 : 1;
      auto w = testing::store_matrix(std::vector<float>(rows * cols, 1.0f), rows, cols, type);
      const size_t block = static_cast<size_t>(type_traits(type).block_bytes);
      for (std::byte& b : w.bytes) b = static_cast<std::byte>(rng());
      for (size_t at = 0; at < w.bytes.size(); at += block)  // finite d (and dmin) in [0.5, 2)
        for (size_t half : testing::k_f16_offsets(type)) {
          const uint16_t h = f32_to_f16(0.5f + static_cast<float>(rng() % 1000) / 666.f);
          std::memcpy(w.bytes.data() + at + half, &h, 2);
        }
      auto x = testing::random_floats(n * cols, 40 + trial, 10.f);
      x[static_cast<size_t>(trial * 37) % x.size()] = 1e4f;
      ThreadPool pool(1);
      const Packed packed(w.view, pool, GetParam());
      std::vector<float> y(n * rows + 1, NAN);
      packed.m.gemm(x.data(), n, y.data(), pool);
      expect_k_reference_bits(type, w.bytes, rows, cols, x, n, y);
    }
}

INSTANTIATE_TEST_SUITE_P(Variants, IsaVariant, ::testing::ValuesIn(kAllIsas),
                         [](const auto& info) { return std::string(isa_name(info.param)); });

TEST(MatMulKernel, RejectsRowsThatAreNotWholeBlocks) {
  std::vector<std::byte> bytes(34 * 3);
  TensorView w{"bad", DType::Q8_0, {3, 40}, bytes.data(), bytes.size()};
  ThreadPool pool(1);
  EXPECT_THROW(Packed(w, pool), std::invalid_argument);
}

}  // namespace
}  // namespace reach::run

namespace reach::run {
namespace {

// What reach-run bench --compare-prefetch relies on: while a ScopedPrefetch
// lives the kernels read its choice, and the one before comes back after it
// (nested too); the text parses as REACH_PREFETCH does.
TEST(Prefetch, ScopedPrefetchSwapsTheChoiceTheKernelsReadAndRestoresIt) {
  const Ahead before = active_prefetch().for_type(DType::Q4_0);
  {
    const PrefetchDistances outer = parse_prefetch("0,7168,nta", "test ");
    const ScopedPrefetch use_outer(outer);
    EXPECT_EQ(active_prefetch().for_type(DType::Q8_0).l2, 7168);
    EXPECT_TRUE(active_prefetch().for_type(DType::Q8_0).l2_nta);
    {
      const PrefetchDistances inner = parse_prefetch("512,3072", "test ");
      const ScopedPrefetch use_inner(inner);
      EXPECT_EQ(active_prefetch().for_type(DType::Q4_K).l1, 512);
      EXPECT_FALSE(active_prefetch().for_type(DType::Q4_K).l2_nta);
    }
    EXPECT_EQ(active_prefetch().for_type(DType::Q4_K).l2, 7168);
  }
  const Ahead after = active_prefetch().for_type(DType::Q4_0);
  EXPECT_EQ(after.l1, before.l1);
  EXPECT_EQ(after.l2, before.l2);
  EXPECT_EQ(after.l2_nta, before.l2_nta);
  EXPECT_THROW(parse_prefetch("0,6144,t2", "test "), std::runtime_error);
}

// The text can say what a table row says: distances per type after the
// hint. Malformed text names the part that is wrong.
TEST(Prefetch, ParsesPerTypeDistancesAndNamesWhatIsMalformed) {
  const PrefetchDistances p = parse_prefetch("0,6144,nta,Q8_0=4096,Q4_K=9216", "REACH_PREFETCH=");
  EXPECT_EQ(p.for_type(DType::Q8_0).l2, 4096);
  EXPECT_EQ(p.for_type(DType::Q4_K).l2, 9216);
  EXPECT_EQ(p.for_type(DType::Q4_0).l2, 6144);
  EXPECT_TRUE(p.for_type(DType::Q8_0).l2_nta);
  EXPECT_EQ(p.source, "REACH_PREFETCH");
  EXPECT_EQ(parse_prefetch("2048,5120,t1", "x ").l2_by_type.size(), 0u);
  const auto message = [](const std::string& text) {
    try {
      parse_prefetch(text, "REACH_PREFETCH=");
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("(accepted)");
  };
  EXPECT_NE(message("2048").find("two distances needed"), std::string::npos);
  EXPECT_NE(message("x,5120").find("L1 'x' is not a distance"), std::string::npos);
  EXPECT_NE(message("0,1048577").find("L2 '1048577' is not a distance"), std::string::npos);
  EXPECT_NE(message("0,-1").find("L2 '-1'"), std::string::npos);
  EXPECT_NE(message("0,6144,").find("the hint '' is neither"), std::string::npos);
  EXPECT_NE(message("0,6144,nta,Q9_K=1").find("'Q9_K' is not a tensor type (F32, "), std::string::npos);
  EXPECT_NE(message("0,6144,nta,Q4_K").find("'Q4_K' is not TYPE=L2"), std::string::npos);
  EXPECT_NE(message("0,6144,nta,Q4_K=9k").find("'9k' is not a distance"), std::string::npos);
  EXPECT_NE(message("0,6144,nta,Q4_K=1,Q4_K=2").find("Q4_K given twice"), std::string::npos);
  EXPECT_NE(message("0,6144,nta,Q4_K=1,Q4_K=2").find("REACH_PREFETCH=0,6144,nta,Q4_K=1,Q4_K=2: "), std::string::npos);
}

// prefetch_spec_fuzzer's seeds are texts the parser accepts.
TEST(Prefetch, FuzzSeedsParse) {
  int seeds = 0;
  for (const auto& e : std::filesystem::directory_iterator(std::filesystem::path(REACH_SOURCE_DIR) /
                                                           "fuzz/corpus/prefetch_spec")) {
    std::ifstream in(e.path(), std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_NO_THROW(parse_prefetch(text, "seed ")) << e.path();
    ++seeds;
  }
  EXPECT_GE(seeds, 3);
}

// choices() is every Ahead that for_type hands out (what a roofline read
// must try): the unlisted types' one, then each listed type's.
TEST(Prefetch, ChoicesAreWhatForTypeHandsOut) {
  const PrefetchDistances row{0, 6144, true, {{DType::Q4_K, 9216}, {DType::Q6_K, 12288}}, "test"};
  const std::vector<Ahead> all = row.choices();
  ASSERT_EQ(all.size(), 3u);
  for (DType type : {DType::Q8_0, DType::Q4_K, DType::Q6_K}) {
    const Ahead a = row.for_type(type);
    EXPECT_TRUE(std::any_of(all.begin(), all.end(),
                            [&](Ahead c) { return c.l1 == a.l1 && c.l2 == a.l2 && c.l2_nta == a.l2_nta; }))
        << type_traits(type).name;
  }
  EXPECT_EQ(all[0].l2, 6144);
  EXPECT_EQ(parse_prefetch("2048,5120", "test ").choices().size(), 1u);
}

}  // namespace
}  // namespace reach::run
