#include "kernels/ops.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <numbers>

#include "reference.h"

namespace reach::run {
namespace {

TEST(Ops, RmsnormMatchesDouble) {
  for (int64_t n : {1, 7, 64, 333}) {
    const auto x = testing::random_floats(n, 1, 2.0f);
    const auto w = testing::random_floats(n, 2);
    std::vector<float> out(n);
    rmsnorm(x.data(), w.data(), out.data(), n, 1e-5f);
    double ss = 0;
    for (float v : x) ss += static_cast<double>(v) * v;
    const double scale = 1.0 / std::sqrt(ss / n + 1e-5);
    for (int64_t i = 0; i < n; ++i) EXPECT_NEAR(out[i], x[i] * scale * w[i], 1e-5 * (1 + std::fabs(x[i] * scale * w[i])));
  }
}

TEST(Ops, RmsnormInPlace) {
  auto x = testing::random_floats(9, 3);
  const auto copy = x;
  const std::vector<float> w(9, 1.0f);
  std::vector<float> out(9);
  rmsnorm(copy.data(), w.data(), out.data(), 9, 1e-6f);
  rmsnorm(x.data(), w.data(), x.data(), 9, 1e-6f);
  EXPECT_EQ(x, out);
}

TEST(Ops, RopeInvFreqWithoutScaling) {
  const auto f = rope_inv_freq(10, 10000.0f, {});
  ASSERT_EQ(f.size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_NEAR(f[i], std::pow(10000.0, -2.0 * i / 10), 1e-7);
}

// Llama-3.1's parameters: factor 8, low 1, high 4, original 8192.
TEST(Ops, RopeInvFreqLlama3Scaling) {
  RopeScaling s;
  s.factor = 8.0f;
  const int hd = 128;
  const auto f = rope_inv_freq(hd, 500000.0f, s);
  for (int i = 0; i < hd / 2; ++i) {
    const double base = std::pow(500000.0, -2.0 * i / hd);
    const double wavelen = 2 * std::numbers::pi / base;
    double want;
    if (wavelen < 8192.0 / 4) want = base;                 // high frequencies: unchanged
    else if (wavelen > 8192.0 / 1) want = base / 8;        // low frequencies: slowed by factor
    else {
      const double smooth = (8192.0 / wavelen - 1) / (4 - 1);
      want = (1 - smooth) * base / 8 + smooth * base;
    }
    EXPECT_NEAR(f[i], want, 1e-6 * want) << i;
  }
  EXPECT_NEAR(f[0], 1.0, 1e-7);          // fastest pair never scales
  EXPECT_NEAR(f[63], std::pow(500000.0, -126.0 / 128) / 8, 1e-12);
}

// Reference rotation in double for one head.
std::vector<double> rotate_ref(const std::vector<float>& x, int hd, int64_t pos, const std::vector<float>& inv,
                               RopeStyle style) {
  std::vector<double> out(x.begin(), x.end());
  for (int i = 0; i < hd / 2; ++i) {
    const int a = style == RopeStyle::HalfSplit ? i : 2 * i;
    const int b = style == RopeStyle::HalfSplit ? i + hd / 2 : 2 * i + 1;
    const double ang = pos * static_cast<double>(inv[i]);
    out[a] = x[a] * std::cos(ang) - x[b] * std::sin(ang);
    out[b] = x[a] * std::sin(ang) + x[b] * std::cos(ang);
  }
  return out;
}

TEST(Ops, RopeBothStylesMatchDouble) {
  const int hd = 12, heads = 3;
  const auto inv = rope_inv_freq(hd, 10000.0f, {});
  for (RopeStyle style : {RopeStyle::HalfSplit, RopeStyle::AdjacentPairs}) {
    for (int64_t pos : {0, 1, 17, 999}) {
      auto x = testing::random_floats(hd * heads, 7 + pos);
      const auto orig = x;
      std::vector<float> c(hd / 2), s(hd / 2);
      rope_cos_sin(pos, inv, c.data(), s.data());
      rope(x.data(), heads, hd, c.data(), s.data(), style);
      for (int h = 0; h < heads; ++h) {
        const std::vector<float> head(orig.begin() + h * hd, orig.begin() + (h + 1) * hd);
        const auto ref = rotate_ref(head, hd, pos, inv, style);
        for (int i = 0; i < hd; ++i) EXPECT_NEAR(x[h * hd + i], ref[i], 1e-5) << "pos " << pos << " i " << i;
      }
    }
  }
}

// GGUF permutes each head's rows so that element 2i is HF's i and 2i+1 is
// HF's i + hd/2; adjacent-pair rotation of the permuted vector must equal
// half-split rotation of the original.
TEST(Ops, AdjacentPairsOnPermutedEqualsHalfSplit) {
  const int hd = 8;
  const auto inv = rope_inv_freq(hd, 10000.0f, {});
  auto hf = testing::random_floats(hd, 9);
  std::vector<float> perm(hd);
  for (int i = 0; i < hd / 2; ++i) {
    perm[2 * i] = hf[i];
    perm[2 * i + 1] = hf[i + hd / 2];
  }
  std::vector<float> c(hd / 2), s(hd / 2);
  rope_cos_sin(5, inv, c.data(), s.data());
  rope(hf.data(), 1, hd, c.data(), s.data(), RopeStyle::HalfSplit);
  rope(perm.data(), 1, hd, c.data(), s.data(), RopeStyle::AdjacentPairs);
  for (int i = 0; i < hd / 2; ++i) {
    EXPECT_FLOAT_EQ(perm[2 * i], hf[i]);
    EXPECT_FLOAT_EQ(perm[2 * i + 1], hf[i + hd / 2]);
  }
}

// exp_shifted is softmax before its division: e^(x - max) in place, 1 / Σ
// returned (attention divides its sums of values instead).
TEST(Ops, ExpShiftedIsSoftmaxBeforeItsDivision) {
  for (int64_t n : {1, 5, 100}) {
    auto x = testing::random_floats(n, 10, 5.0f);
    x[0] = 80.0f;  // large values must not overflow
    const auto orig = x;
    const float inv = exp_shifted(x.data(), n);
    double m = -1e300, sum = 0;
    for (float v : orig) m = std::max(m, static_cast<double>(v));
    for (float v : orig) sum += std::exp(v - m);
    EXPECT_EQ(x[0], 1.0f);
    EXPECT_NEAR(inv, 1 / sum, 1e-6 / sum);
    for (int64_t i = 0; i < n; ++i) EXPECT_NEAR(x[i] * inv, std::exp(orig[i] - m) / sum, 1e-6);
  }
}

// The instruction-set variants of silu_mul this CPU runs (8 lanes, or 16
// with AVX-512): the tests below hold for each.
std::vector<Isa> silu_variants() {
  std::vector<Isa> v = {Isa::avx2};
  if (cpu_runs(Isa::avx512_vnni)) v.push_back(Isa::avx512_vnni);
  return v;
}

TEST(Ops, SiluMulMatchesDouble) {
  for (Isa isa : silu_variants()) {
    auto g = testing::random_floats(37, 11, 4.0f);
    const auto u = testing::random_floats(37, 12);
    const auto orig = g;
    silu_mul(g.data(), u.data(), 37, isa);
    for (int i = 0; i < 37; ++i) {
      const double want = orig[i] / (1.0 + std::exp(-static_cast<double>(orig[i]))) * u[i];
      EXPECT_NEAR(g[i], want, 1e-5 * (1 + std::fabs(want))) << isa_name(isa);
    }
  }
}

// 16 lanes run the 8-lane operations in every lane: the same bits, whole
// vectors and every tail length, so decode's output does not depend on the
// CPU's vector width.
TEST(Ops, SiluMulInSixteenLanesGivesEightLanesBits) {
  if (!cpu_runs(Isa::avx512_vnni)) GTEST_SKIP() << "the AVX-512 variant is not checked: this CPU cannot run it";
  for (int64_t n : {1, 7, 8, 15, 16, 17, 31, 33, 5632, 5632 + 13}) {
    auto eight = testing::random_floats(static_cast<size_t>(n), 31, 6.0f);
    const auto up = testing::random_floats(static_cast<size_t>(n), 32);
    auto sixteen = eight;
    silu_mul(eight.data(), up.data(), n, Isa::avx2);
    silu_mul(sixteen.data(), up.data(), n, Isa::avx512_vnni);
    EXPECT_EQ(0, std::memcmp(eight.data(), sixteen.data(), eight.size() * sizeof(float))) << "n = " << n;
  }
}

// The vectorized e^x behind silu_mul, over the whole range where it has
// work to do and past both ends, against double: the point of the sweep is
// the range reduction, the two-factor 2^n near ±88 and the masked tail.
TEST(Ops, SiluMulMatchesDoubleFromEndToEnd) {
  std::vector<float> g;
  for (float v = -100.0f; v <= 100.0f; v += 0.37f) g.push_back(v);
  for (float v : {-88.8f, -88.7f, -87.4f, -87.3f, -0.0f, 0.0f, 1e-30f, 87.3f, 88.5f, 88.7f, 88.8f}) g.push_back(v);
  const std::vector<float> up(g.size(), 1.5f);
  const auto orig = g;
  for (Isa isa : silu_variants()) {
    g = orig;
    silu_mul(g.data(), up.data(), static_cast<int64_t>(g.size()), isa);
    for (size_t i = 0; i < g.size(); ++i) {
      const double want = orig[i] / (1.0 + std::exp(-static_cast<double>(orig[i]))) * 1.5;
      // Below -88.7 e^-g overflows and silu gives -0 (as the float formula
      // with std::exp does), where the exact value is under 4e-37.
      EXPECT_NEAR(g[i], want, 4e-7 * std::fabs(want) + 4e-37) << "silu(" << orig[i] << "), " << isa_name(isa);
    }
  }
}

TEST(Ops, SiluMulKeepsNaNAndInfinity) {
  for (Isa isa : silu_variants()) {
    std::vector<float> g = {NAN, INFINITY, 2.0f}, up = {1.0f, 1.0f, NAN};
    silu_mul(g.data(), up.data(), 3, isa);
    EXPECT_TRUE(std::isnan(g[0])) << isa_name(isa);
    EXPECT_EQ(g[1], INFINITY) << isa_name(isa);
    EXPECT_TRUE(std::isnan(g[2])) << isa_name(isa);
  }
}

// Whole vectors take plain loads and stores, a row's short last vector
// masked ones: nothing past the row may change, for every tail length (of
// 8 lanes and, for silu_mul, of 16).
TEST(Ops, VectorOpsWriteNothingPastTheRow) {
  constexpr float kGuard = 12345.0f;
  for (int64_t n = 1; n <= 33; ++n) {
    auto g = testing::random_floats(n + 16, 21, 3.0f), x = testing::random_floats(n + 16, 22, 3.0f);
    const auto up = testing::random_floats(n + 16, 23);
    std::vector<float> w(static_cast<size_t>(n), 1.0f), out(static_cast<size_t>(n + 16), kGuard);
    std::fill(g.begin() + n, g.end(), kGuard);
    std::fill(x.begin() + n, x.end(), kGuard);
    for (Isa isa : silu_variants()) silu_mul(g.data(), up.data(), n, isa);
    exp_shifted(x.data(), n);
    rmsnorm(g.data(), w.data(), out.data(), n, 1e-5f);
    for (int64_t i = n; i < n + 16; ++i) {
      EXPECT_EQ(g[static_cast<size_t>(i)], kGuard) << "silu_mul, n = " << n;
      EXPECT_EQ(x[static_cast<size_t>(i)], kGuard) << "exp_shifted, n = " << n;
      EXPECT_EQ(out[static_cast<size_t>(i)], kGuard) << "rmsnorm, n = " << n;
    }
  }
}

TEST(Ops, ExpShiftedGivesMaskedEntriesZeroWeight) {
  std::vector<float> x = {0.0f, -INFINITY, 1.0f, -200.0f};
  const float inv = exp_shifted(x.data(), 4);
  const double e = std::exp(-1.0);
  EXPECT_NEAR(x[0] * inv, e / (1 + e), 1e-7);
  EXPECT_EQ(x[1], 0.0f);
  EXPECT_NEAR(x[2] * inv, 1 / (1 + e), 1e-7);
  EXPECT_EQ(x[3], 0.0f);  // e^-201 is below the smallest normal float
}

TEST(Ops, AddInplace) {
  std::vector<float> y = {1, 2, 3}, x = {0.5f, -2, 4};
  add_inplace(y.data(), x.data(), 3);
  EXPECT_EQ(y, (std::vector<float>{1.5f, 0, 7}));
}

}  // namespace
}  // namespace reach::run
