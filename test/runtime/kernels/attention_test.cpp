#include "kernels/attention.h"

#include <gtest/gtest.h>

#include <cmath>

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

TEST(Attention, CausalGqaMatchesDouble) {
  // Head sizes below, at and past the kernel's 8-float chunks and 32-float
  // passes; position counts that do and do not fill batches of eight; query
  // heads per KV head 1 to 5 (the weighted sums take three heads at a time,
  // then two or one).
  for (AttentionShape s : {AttentionShape{4, 4, 8}, AttentionShape{6, 2, 12}, AttentionShape{5, 1, 7},
                           AttentionShape{8, 2, 64}, AttentionShape{4, 2, 80}, AttentionShape{2, 1, 128}}) {
    for (auto [n_tokens, pos0] : {std::pair<int64_t, int64_t>{1, 0}, {1, 9}, {6, 0}, {3, 4}, {1, 40}, {9, 15}}) {
      const int64_t total = pos0 + n_tokens;
      const auto q = testing::random_floats(n_tokens * s.n_heads * s.head_dim, 1 + total);
      const auto k = testing::random_floats(total * s.n_kv_heads * s.head_dim, 2 + total);
      const auto v = testing::random_floats(total * s.n_kv_heads * s.head_dim, 3 + total);
      const auto ref = attention_ref(q, n_tokens, pos0, k, v, s);
      for (int threads : {1, 2, 3}) {
        ThreadPool pool(threads);
        std::vector<float> out(q.size(), NAN);
        attention(q.data(), n_tokens, pos0, k.data(), v.data(), s, out.data(), pool);
        for (size_t i = 0; i < out.size(); ++i)
          ASSERT_NEAR(out[i], ref[i], 1e-5) << "heads " << s.n_heads << "/" << s.n_kv_heads << " i " << i;
      }
    }
  }
}

// Tokens are attended to in tiles that share each batch of K and V rows;
// every output must still be the bits of that token attended to alone (as
// decode does it), for token counts that fill tiles and do not.
TEST(Attention, ATileOfTokensGivesEachTokensBitsAlone) {
  const AttentionShape s{8, 2, 64};
  for (auto [n_tokens, pos0] : {std::pair<int64_t, int64_t>{3, 0}, {8, 5}, {17, 0}, {40, 21}}) {
    const int64_t total = pos0 + n_tokens, qs = int64_t{s.n_heads} * s.head_dim;
    const auto q = testing::random_floats(n_tokens * qs, 4 + total);
    const auto k = testing::random_floats(total * s.n_kv_heads * s.head_dim, 5 + total);
    const auto v = testing::random_floats(total * s.n_kv_heads * s.head_dim, 6 + total);
    ThreadPool pool(2);
    std::vector<float> tiled(q.size()), alone(qs);
    attention(q.data(), n_tokens, pos0, k.data(), v.data(), s, tiled.data(), pool);
    for (int64_t t = 0; t < n_tokens; ++t) {
      attention(q.data() + t * qs, 1, pos0 + t, k.data(), v.data(), s, alone.data(), pool);
      ASSERT_TRUE(std::equal(alone.begin(), alone.end(), tiled.begin() + t * qs)) << n_tokens << " tokens, token " << t;
    }
  }
}

// A query that matches one key far better than the others copies its value.
TEST(Attention, SharpScoresSelectOneValue) {
  AttentionShape s{1, 1, 4};
  const std::vector<float> k = {10, 0, 0, 0, 0, 10, 0, 0, 0, 0, 10, 0};
  const std::vector<float> v = {1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3};
  const std::vector<float> q = {0, 10, 0, 0};
  ThreadPool pool(1);
  std::vector<float> out(4);
  attention(q.data(), 1, 2, k.data(), v.data(), s, out.data(), pool);
  for (float x : out) EXPECT_NEAR(x, 2.0f, 1e-6);
}

}  // namespace
}  // namespace reach::run
