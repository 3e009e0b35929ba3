#include "kernels/attention.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "formats/half.h"
#include "kernels/ops.h"
#include "reference.h"

namespace reach::run {
namespace {

// Naive causal GQA attention in double.
std::vector<double> attention_ref(const std::vector<float>& q, int64_t n_tokens, int64_t pos0,
                                  const std::vector<float>& k, const std::vector<float>& v, AttentionShape s) {
  const int64_t qs = int64_t{s.n_heads} * s.head_dim, kvs = int64_t{s.n_kv_heads} * s.head_dim;
  std::vector<double> out(n_tokens * qs, 0.0);
  for (int64_t t = 0; t < n_tokens; ++t)
    for (int h = 0; h < s.n_heads; ++h) {
      const int kvh = h / (s.n_heads / s.n_kv_heads);
      const int64_t n_pos = pos0 + t + 1;
      std::vector<double> sc(n_pos);
      double m = -1e300;
      for (int64_t p = 0; p < n_pos; ++p) {
        double d = 0;
        for (int i = 0; i < s.head_dim; ++i) d += double{q[t * qs + h * s.head_dim + i]} * k[p * kvs + kvh * s.head_dim + i];
        sc[p] = d / std::sqrt(static_cast<double>(s.head_dim));
        m = std::max(m, sc[p]);
      }
      double sum = 0;
      for (double& x : sc) sum += (x = std::exp(x - m));
      for (int64_t p = 0; p < n_pos; ++p)
        for (int i = 0; i < s.head_dim; ++i)
          out[t * qs + h * s.head_dim + i] += sc[p] / sum * v[p * kvs + kvh * s.head_dim + i];
    }
  return out;
}

// attention() over k and v ({positions, n_kv_heads, head_dim}) stored by
// store_kv in a cache of 3 more positions (whole key tiles) of `type`, the
// rest of it NaN (read, it would show), with the kernels of `isa`.
std::vector<float> attend(const std::vector<float>& q, int64_t n_tokens, int64_t pos0, const std::vector<float>& k,
                          const std::vector<float>& v, AttentionShape s, ThreadPool& pool, DType type = DType::F32,
                          Isa isa = chosen_isa()) {
  std::vector<float> out(static_cast<size_t>(n_tokens * s.n_heads * s.head_dim), NAN);
  const KVLayout layout = KVLayout::for_positions(pos0 + n_tokens + 3, type);
  const size_t elements = static_cast<size_t>(s.n_kv_heads * layout.head_elements(s.head_dim));
  std::vector<float> k32(elements, NAN), v32(elements, NAN);
  std::vector<uint16_t> k16(elements, f32_to_f16(NAN)), v16(elements, f32_to_f16(NAN));
  void* keys = type == DType::F32 ? static_cast<void*>(k32.data()) : k16.data();
  void* values = type == DType::F32 ? static_cast<void*>(v32.data()) : v16.data();
  store_kv(k.data(), v.data(), 0, pos0 + n_tokens, layout, s, keys, values);
  attention(q.data(), n_tokens, pos0, keys, values, layout, s, out.data(), pool, isa);
  return out;
}

// The kernels' definition, one lane at a time: a score is one chain of FMAs
// over the head's dimensions in order, times the scale; the weights are
// exp_shifted's (softmax before its division); an output element is one
// chain of FMAs over the positions in order, times exp_shifted's 1 / sum.
// Every variant must give these bits.
std::vector<float> attention_chains(const std::vector<float>& q, int64_t n_tokens, int64_t pos0,
                                    const std::vector<float>& k, const std::vector<float>& v, AttentionShape s) {
  const int64_t hd = s.head_dim, qs = s.n_heads * hd, kvs = s.n_kv_heads * hd;
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
  std::vector<float> out(static_cast<size_t>(n_tokens * qs));
  for (int64_t t = 0; t < n_tokens; ++t)
    for (int h = 0; h < s.n_heads; ++h) {
      const int64_t kvh = h / (s.n_heads / s.n_kv_heads), n_pos = pos0 + t + 1;
      std::vector<float> w(static_cast<size_t>(n_pos));
      for (int64_t p = 0; p < n_pos; ++p) {
        float acc = 0;
        for (int64_t c = 0; c < hd; ++c) acc = std::fma(q[t * qs + h * hd + c], k[p * kvs + kvh * hd + c], acc);
        w[p] = acc * scale;
      }
      const float inv_sum = exp_shifted(w.data(), n_pos);
      for (int64_t c = 0; c < hd; ++c) {
        float acc = 0;
        for (int64_t p = 0; p < n_pos; ++p) acc = std::fma(w[p], v[p * kvs + kvh * hd + c], acc);
        out[t * qs + h * hd + c] = acc * inv_sum;
      }
    }
  return out;
}

// Every variant this CPU runs gives attention_chains' bits.
void expect_every_variant_gives_the_chains(const std::vector<float>& q, int64_t n_tokens, int64_t pos0,
                                           const std::vector<float>& k, const std::vector<float>& v, AttentionShape s) {
  const std::vector<float> want = attention_chains(q, n_tokens, pos0, k, v, s);
  ThreadPool pool(2);
  for (Isa isa : kAllIsas) {
    if (!cpu_runs(isa)) continue;
    const std::vector<float> got = attend(q, n_tokens, pos0, k, v, s, pool, DType::F32, isa);
    for (size_t i = 0; i < got.size(); ++i)
      ASSERT_EQ(got[i], want[i]) << isa_name(isa) << " " << s.n_heads << "/" << s.n_kv_heads << "x" << s.head_dim
                                 << ", " << n_tokens << " tokens at " << pos0 << ", element " << i;
  }
}

// Each value rounded to the nearest half and back.
std::vector<float> rounded_to_f16(const std::vector<float>& x) {
  std::vector<float> r(x.size());
  std::transform(x.begin(), x.end(), r.begin(), [](float f) { return f16_to_f32(f32_to_f16(f)); });
  return r;
}

TEST(Attention, CausalGqaMatchesDouble) {
  // Head sizes below, at and past the kernels' vectors and passes of four;
  // position counts that do and do not fill key tiles of 16; query heads per
  // KV head 1 to 5 and 12 (past what a variant scores at once).
  for (AttentionShape s : {AttentionShape{4, 4, 8}, AttentionShape{6, 2, 12}, AttentionShape{5, 1, 7},
                           AttentionShape{8, 2, 64}, AttentionShape{4, 2, 80}, AttentionShape{2, 1, 128},
                           AttentionShape{12, 1, 16}}) {
    for (auto [n_tokens, pos0] : {std::pair<int64_t, int64_t>{1, 0}, {1, 9}, {6, 0}, {3, 4}, {1, 40}, {9, 15}}) {
      const int64_t total = pos0 + n_tokens;
      const auto q = testing::random_floats(n_tokens * s.n_heads * s.head_dim, 1 + total);
      const auto k = testing::random_floats(total * s.n_kv_heads * s.head_dim, 2 + total);
      const auto v = testing::random_floats(total * s.n_kv_heads * s.head_dim, 3 + total);
      const auto ref = attention_ref(q, n_tokens, pos0, k, v, s);
      for (int threads : {1, 2, 3}) {
        ThreadPool pool(threads);
        const std::vector<float> out = attend(q, n_tokens, pos0, k, v, s, pool);
        for (size_t i = 0; i < out.size(); ++i)
          ASSERT_NEAR(out[i], ref[i], 1e-5) << "heads " << s.n_heads << "/" << s.n_kv_heads << " i " << i;
      }
    }
  }
}

// Tokens are attended to in tiles that share each pass over the keys and
// values, and heads scored and summed several at a time; every output must
// still be the kernels' definition (attention_chains): the bits of that
// token attended to alone, as decode does it, in every instruction-set
// variant this CPU runs. Token and position counts that fill tiles and do
// not; groups of query heads past what one pass takes.
TEST(Attention, EveryVariantGivesTheChainsBitsForEachToken) {
  for (AttentionShape s : {AttentionShape{8, 2, 64}, AttentionShape{12, 1, 16}, AttentionShape{6, 2, 80},
                           AttentionShape{5, 1, 7}, AttentionShape{2, 2, 128}}) {
    for (auto [n_tokens, pos0] : {std::pair<int64_t, int64_t>{1, 0}, {3, 0}, {8, 5}, {17, 0}, {1, 70}, {40, 21}}) {
      const int64_t total = pos0 + n_tokens, kv = total * s.n_kv_heads * s.head_dim;
      const auto q = testing::random_floats(n_tokens * s.n_heads * s.head_dim, 4 + total);
      const auto k = testing::random_floats(kv, 5 + total), v = testing::random_floats(kv, 6 + total);
      expect_every_variant_gives_the_chains(q, n_tokens, pos0, k, v, s);
    }
  }
  if (!cpu_runs(Isa::avx512_vnni)) GTEST_SKIP() << "the AVX-512 variant is not checked: this CPU cannot run it";
}

// An F16 cache is read as the F32 values its halves hold: the bits of an F32
// cache of the rounded keys and values, in every variant, with tiles
// (tokens) and batches (positions) full and short.
TEST(Attention, AnF16CacheGivesTheBitsOfItsValuesInF32) {
  for (AttentionShape s : {AttentionShape{8, 2, 64}, AttentionShape{6, 2, 12}, AttentionShape{5, 1, 7},
                           AttentionShape{4, 2, 80}}) {
    for (auto [n_tokens, pos0] : {std::pair<int64_t, int64_t>{1, 0}, {1, 70}, {9, 15}, {3, 130}}) {
      const int64_t total = pos0 + n_tokens, kv = total * s.n_kv_heads * s.head_dim;
      const auto q = testing::random_floats(n_tokens * s.n_heads * s.head_dim, 7 + total);
      const auto k = testing::random_floats(kv, 8 + total), v = testing::random_floats(kv, 9 + total);
      ThreadPool pool(2);
      for (Isa isa : kAllIsas) {
        if (!cpu_runs(isa)) continue;
        const auto want = attend(q, n_tokens, pos0, rounded_to_f16(k), rounded_to_f16(v), s, pool, DType::F32, isa);
        const auto got = attend(q, n_tokens, pos0, k, v, s, pool, DType::F16, isa);
        ASSERT_TRUE(std::ranges::equal(got, want)) << isa_name(isa) << " " << s.n_heads << "/" << s.n_kv_heads << "x"
                                                   << s.head_dim << ", " << n_tokens << " tokens at " << pos0;
      }
    }
  }
  ThreadPool pool(1);
  const auto one = testing::random_floats(8, 1);
  float out[8];
  EXPECT_THROW(attention(one.data(), 1, 0, one.data(), one.data(), {16, DType::Q8_0}, {1, 1, 8}, out, pool),
               std::invalid_argument);
}

// Floats whose rounding to a half is at its edges: ties between two halves
// (even and odd), the largest finite half and what rounds past it, the
// smallest normal and the subnormals below it, signed zeros and
// infinities, each with a neighbour one float away; the rest random.
std::vector<float> halves_edge_cases(int64_t n) {
  std::vector<float> x = testing::random_floats(n, 11);
  const float edges[] = {1.0f + 0x1p-11f, 1.0f + 3 * 0x1p-11f, 65504.0f, 65519.99f, 65520.0f, -70000.0f,
                         0x1p-14f, 0x1p-15f + 0x1p-25f, 0x1p-24f, 0x1p-25f, 0x1p-26f, -0x1p-20f,
                         0.0f, -0.0f, INFINITY, -INFINITY, 3.0e-5f, -6.1e-5f, 2049.0f, -2051.0f};
  for (size_t i = 0; i < std::size(edges) && 2 * i + 1 < x.size(); ++i) {
    x[2 * i] = edges[i];
    x[2 * i + 1] = std::nextafter(edges[i], 0.0f);
  }
  return x;
}

// store_kv puts each key and value element where the layout says, rounded
// as f32_to_f16 rounds (F16C eight at a time and the scalar tail): head
// sizes of whole vectors and of a tail, at positions across key tiles.
TEST(Attention, StoreKvRoundsEachElementAsTheHalfConversionAndPutsItWhereTheLayoutSays) {
  for (AttentionShape s : {AttentionShape{4, 2, 64}, AttentionShape{3, 3, 12}, AttentionShape{1, 1, 5}}) {
    const int64_t pos0 = 13, n = 6, kv = n * s.n_kv_heads * s.head_dim;
    const std::vector<float> k = halves_edge_cases(kv), v = testing::random_floats(kv, 12);
    std::vector<float> negated(k.size());
    std::transform(k.begin(), k.end(), negated.begin(), [](float f) { return -f; });
    using Rows = std::pair<const std::vector<float>*, const std::vector<float>*>;  // keys, values
    for (const auto& [keys_in, values_in] : {Rows{&k, &v}, Rows{&v, &negated}}) {
      const KVLayout layout = KVLayout::for_positions(pos0 + n, DType::F16);
      const size_t elements = static_cast<size_t>(s.n_kv_heads * layout.head_elements(s.head_dim));
      std::vector<uint16_t> keys(elements, 0x7E00), values(elements, 0x7E00);
      store_kv(keys_in->data(), values_in->data(), pos0, n, layout, s, keys.data(), values.data());
      for (int64_t t = 0; t < n; ++t)
        for (int32_t h = 0; h < s.n_kv_heads; ++h)
          for (int32_t c = 0; c < s.head_dim; ++c) {
            const size_t from = static_cast<size_t>((t * s.n_kv_heads + h) * s.head_dim + c);
            const int64_t pos = pos0 + t;
            ASSERT_EQ(keys[static_cast<size_t>(layout.key_at(h, pos, c, s.head_dim))], f32_to_f16((*keys_in)[from]))
                << "key " << (*keys_in)[from] << " head_dim " << s.head_dim << " position " << pos << " element " << c;
            ASSERT_EQ(values[static_cast<size_t>(layout.value_at(h, pos, c, s.head_dim))],
                      f32_to_f16((*values_in)[from]))
                << "value " << (*values_in)[from] << " head_dim " << s.head_dim << " element " << c;
          }
    }
  }
  const float nan[8] = {NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN};
  std::vector<uint16_t> keys(16 * 8), values(16 * 8);
  store_kv(nan, nan, 0, 1, KVLayout::for_positions(1, DType::F16), {1, 1, 8}, keys.data(), values.data());
  EXPECT_TRUE(std::isnan(f16_to_f32(keys[0]))) << "a NaN stays a NaN";
  EXPECT_TRUE(std::isnan(f16_to_f32(values[7])));
  EXPECT_THROW(store_kv(nan, nan, 0, 1, {16, DType::Q8_0}, {1, 1, 8}, keys.data(), values.data()),
               std::invalid_argument);
}

// Rows up to 1024 positions, and widely spread scores (sums of 16 products
// of N(0, 6²) values, over 4: a standard deviation of 36): weights from 1
// down to below e^-87, where e^x is 0. Every variant's e^x (eight or sixteen
// lanes) gives the definition's bits. (The order of the weights' sum in
// double, vector_exp.h's, seldom shows in the float 1 / sum: it is the same
// in every width by construction, not by this test.)
TEST(Attention, EveryVariantGivesTheBitsOfLongRowsOfWideScores) {
  const AttentionShape s{4, 1, 16};
  for (auto [n_tokens, pos0] : {std::pair<int64_t, int64_t>{1, 36}, {1, 199}, {3, 1021}, {1, 8}, {2, 13}}) {
    const int64_t total = pos0 + n_tokens, kv = total * s.n_kv_heads * s.head_dim;
    const auto q = testing::random_floats(n_tokens * s.n_heads * s.head_dim, 10 + total, 6.0f);
    const auto k = testing::random_floats(kv, 11 + total, 6.0f), v = testing::random_floats(kv, 12 + total);
    expect_every_variant_gives_the_chains(q, n_tokens, pos0, k, v, s);
  }
}

// A query that matches one key far better than the others copies its value.
TEST(Attention, SharpScoresSelectOneValue) {
  AttentionShape s{1, 1, 4};
  const std::vector<float> k = {10, 0, 0, 0, 0, 10, 0, 0, 0, 0, 10, 0};  // three positions
  const std::vector<float> v = {1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3};
  const std::vector<float> q = {0, 10, 0, 0};
  ThreadPool pool(1);
  for (float x : attend(q, 1, 2, k, v, s, pool)) EXPECT_NEAR(x, 2.0f, 1e-6);
}

}  // namespace
}  // namespace reach::run
