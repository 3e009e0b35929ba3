#include "kernels/attention.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "formats/half.h"
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

// k or v ({positions, n_kv_heads, head_dim}) laid out by KV head, with
// room for `capacity` positions per head (the rows past `positions` NaN:
// read, they would show).
std::vector<float> by_head(const std::vector<float>& rows, AttentionShape s, int64_t capacity) {
  const int64_t hd = s.head_dim, positions = static_cast<int64_t>(rows.size()) / (s.n_kv_heads * hd);
  std::vector<float> out(static_cast<size_t>(s.n_kv_heads * capacity * hd), NAN);
  for (int64_t p = 0; p < positions; ++p)
    for (int64_t h = 0; h < s.n_kv_heads; ++h)
      std::copy_n(rows.begin() + (p * s.n_kv_heads + h) * hd, hd, out.begin() + (h * capacity + p) * hd);
  return out;
}

std::vector<uint16_t> halves(const std::vector<float>& x) {
  std::vector<uint16_t> h(x.size());
  std::transform(x.begin(), x.end(), h.begin(), f32_to_f16);
  return h;
}

// attention() over k and v ({positions, n_kv_heads, head_dim}) as they are
// (by position) or laid out by KV head in a cache of 3 more positions, held
// as F32 or F16.
std::vector<float> attend(const std::vector<float>& q, int64_t n_tokens, int64_t pos0, const std::vector<float>& k,
                          const std::vector<float>& v, AttentionShape s, bool heads_major, ThreadPool& pool,
                          DType type = DType::F32) {
  std::vector<float> out(static_cast<size_t>(n_tokens * s.n_heads * s.head_dim), NAN);
  const int64_t capacity = pos0 + n_tokens + 3;
  KVLayout layout = heads_major ? KVLayout::by_head(s, capacity) : KVLayout::by_position(s);
  layout.type = type;
  const std::vector<float> hk = heads_major ? by_head(k, s, capacity) : k, hv = heads_major ? by_head(v, s, capacity) : v;
  if (type == DType::F32) {
    attention(q.data(), n_tokens, pos0, hk.data(), hv.data(), layout, s, out.data(), pool);
  } else {
    const std::vector<uint16_t> k16 = halves(hk), v16 = halves(hv);
    attention(q.data(), n_tokens, pos0, k16.data(), v16.data(), layout, s, out.data(), pool);
  }
  return out;
}

// Each value rounded to the nearest half and back.
std::vector<float> rounded_to_f16(const std::vector<float>& x) {
  std::vector<float> r(x.size());
  std::transform(x.begin(), x.end(), r.begin(), [](float f) { return f16_to_f32(f32_to_f16(f)); });
  return r;
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
        for (bool heads_major : {false, true}) {
          const std::vector<float> out = attend(q, n_tokens, pos0, k, v, s, heads_major, pool);
          for (size_t i = 0; i < out.size(); ++i)
            ASSERT_NEAR(out[i], ref[i], 1e-5)
                << "heads " << s.n_heads << "/" << s.n_kv_heads << (heads_major ? " by head" : " by position") << " i " << i;
        }
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
    const std::vector<float> tiled = attend(q, n_tokens, pos0, k, v, s, false, pool);
    // By KV head: the same bits as by position, the layout only says where a row is.
    EXPECT_TRUE(std::ranges::equal(attend(q, n_tokens, pos0, k, v, s, true, pool), tiled)) << n_tokens << " tokens";
    for (int64_t t = 0; t < n_tokens; ++t) {
      const std::vector<float> one(q.begin() + t * qs, q.begin() + (t + 1) * qs);
      const std::vector<float> alone = attend(one, 1, pos0 + t, k, v, s, false, pool);
      ASSERT_TRUE(std::equal(alone.begin(), alone.end(), tiled.begin() + t * qs)) << n_tokens << " tokens, token " << t;
    }
  }
}

// An F16 cache is read as the F32 values its halves hold: the bits of an F32
// cache of the rounded keys and values, for either layout, with tiles
// (tokens) and batches (positions) full and short.
TEST(Attention, AnF16CacheGivesTheBitsOfItsValuesInF32) {
  for (AttentionShape s : {AttentionShape{8, 2, 64}, AttentionShape{6, 2, 12}, AttentionShape{5, 1, 7}}) {
    for (auto [n_tokens, pos0] : {std::pair<int64_t, int64_t>{1, 0}, {1, 70}, {9, 15}, {3, 130}}) {
      const int64_t total = pos0 + n_tokens, kv = total * s.n_kv_heads * s.head_dim;
      const auto q = testing::random_floats(n_tokens * s.n_heads * s.head_dim, 7 + total);
      const auto k = testing::random_floats(kv, 8 + total), v = testing::random_floats(kv, 9 + total);
      ThreadPool pool(2);
      for (bool heads_major : {false, true}) {
        const auto want = attend(q, n_tokens, pos0, rounded_to_f16(k), rounded_to_f16(v), s, heads_major, pool);
        const auto got = attend(q, n_tokens, pos0, k, v, s, heads_major, pool, DType::F16);
        ASSERT_TRUE(std::ranges::equal(got, want)) << s.n_heads << "/" << s.n_kv_heads << "x" << s.head_dim << ", "
                                                   << n_tokens << " tokens at " << pos0 << (heads_major ? ", by head" : "");
      }
    }
  }
  ThreadPool pool(1);
  const auto one = testing::random_floats(8, 1);
  float out[8];
  EXPECT_THROW(attention(one.data(), 1, 0, one.data(), one.data(), {8, 8, DType::Q8_0}, {1, 1, 8}, out, pool),
               std::invalid_argument);
}

// A query that matches one key far better than the others copies its value.
TEST(Attention, SharpScoresSelectOneValue) {
  AttentionShape s{1, 1, 4};
  const std::vector<float> k = {10, 0, 0, 0, 0, 10, 0, 0, 0, 0, 10, 0};
  const std::vector<float> v = {1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3};
  const std::vector<float> q = {0, 10, 0, 0};
  ThreadPool pool(1);
  std::vector<float> out(4);
  attention(q.data(), 1, 2, k.data(), v.data(), KVLayout::by_position(s), s, out.data(), pool);
  for (float x : out) EXPECT_NEAR(x, 2.0f, 1e-6);
}

}  // namespace
}  // namespace reach::run
