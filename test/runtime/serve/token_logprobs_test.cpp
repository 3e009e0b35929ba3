// The log-probabilities the server reports, against log softmax in long
// double: the chosen token's, and the most likely ones in order.
#include "serve/token_logprobs.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace reach::run::serve {
namespace {

std::vector<long double> log_softmax(const std::vector<float>& logits) {
  long double sum = 0;
  for (float x : logits) sum += std::exp(static_cast<long double>(x));
  std::vector<long double> r;
  for (float x : logits) r.push_back(x - std::log(sum));
  return r;
}

TEST(TokenLogprobs, AreLogSoftmaxOfTheRawLogitsMostLikelyFirst) {
  std::mt19937 rng(3);
  std::normal_distribution<float> dist(0.0f, 4.0f);
  std::vector<float> logits(1000);
  for (float& x : logits) x = dist(rng);
  const auto ref = log_softmax(logits);
  const TokenLogprobs r = token_logprobs(logits, 17, 5);
  EXPECT_EQ(r.chosen.id, 17);
  EXPECT_NEAR(r.chosen.logprob, static_cast<double>(ref[17]), 1e-5);
  ASSERT_EQ(r.top.size(), 5u);
  for (size_t i = 0; i < r.top.size(); ++i) {
    EXPECT_NEAR(r.top[i].logprob, static_cast<double>(ref[static_cast<size_t>(r.top[i].id)]), 1e-5);
    if (i) EXPECT_GE(r.top[i - 1].logprob, r.top[i].logprob);
  }
  // Nothing outside the top is more likely than its last.
  for (size_t id = 0; id < logits.size(); ++id)
    if (std::none_of(r.top.begin(), r.top.end(), [&](const TokenChoice& c) { return c.id == int32_t(id); }))
      EXPECT_LE(ref[id], ref[static_cast<size_t>(r.top.back().id)]);
}

TEST(TokenLogprobs, HugeLogitsDoNotOverflowAndTiesGoToTheLowerId) {
  const std::vector<float> logits = {1000.0f, 1000.0f, -1000.0f, 999.0f};
  const TokenLogprobs r = token_logprobs(logits, 2, 10);
  ASSERT_EQ(r.top.size(), 4u) << "no more than the vocabulary";
  EXPECT_EQ(r.top[0].id, 0);
  EXPECT_EQ(r.top[1].id, 1);
  EXPECT_EQ(r.top[2].id, 3);
  EXPECT_NEAR(r.top[0].logprob, -std::log(2.0 + std::exp(-1.0)), 1e-6);
  EXPECT_TRUE(std::isfinite(r.chosen.logprob));
  EXPECT_LT(r.chosen.logprob, -1999.0f);
  EXPECT_TRUE(token_logprobs(logits, 0, 0).top.empty());
}

}  // namespace
}  // namespace reach::run::serve
