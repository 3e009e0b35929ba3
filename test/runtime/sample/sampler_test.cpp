#include "sample/sampler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

namespace reach::run {
namespace {

std::vector<float> log_probs(const std::vector<double>& p) {
  std::vector<float> l;
  for (double x : p) l.push_back(static_cast<float>(std::log(x)));
  return l;
}

// Draws n samples and returns the frequency of each id.
std::vector<double> frequencies(SamplerConfig cfg, const std::vector<float>& logits, int n) {
  Sampler s(cfg);
  std::vector<double> f(logits.size(), 0.0);
  for (int i = 0; i < n; ++i) {
    auto l = logits;
    f[static_cast<size_t>(s.sample(l, {}))] += 1.0 / n;
  }
  return f;
}

// With n = 200000 draws the standard error of a frequency is at most
// sqrt(0.25/n) ≈ 0.0011; 0.006 is more than five of them.
constexpr int kDraws = 200000;
constexpr double kTol = 0.006;

TEST(Sampler, GreedyTakesArgmaxLowestIdOnTies) {
  Sampler s({});
  std::vector<float> l = {0.1f, 3.0f, -1.0f, 3.0f};
  EXPECT_EQ(s.sample(l, {}), 1);
}

TEST(Sampler, TemperatureOneReproducesTheDistribution) {
  const std::vector<double> p = {0.5, 0.3, 0.15, 0.05};
  const auto f = frequencies({.temperature = 1.0f, .seed = 1}, log_probs(p), kDraws);
  for (size_t i = 0; i < p.size(); ++i) EXPECT_NEAR(f[i], p[i], kTol) << i;
}

TEST(Sampler, TemperatureTwoFlattensAsPowerHalf) {
  const std::vector<double> p = {0.5, 0.3, 0.15, 0.05};
  double z = 0;
  for (double x : p) z += std::sqrt(x);
  const auto f = frequencies({.temperature = 2.0f, .seed = 2}, log_probs(p), kDraws);
  for (size_t i = 0; i < p.size(); ++i) EXPECT_NEAR(f[i], std::sqrt(p[i]) / z, kTol) << i;
}

TEST(Sampler, TopKKeepsTheKLargestRenormalized) {
  const std::vector<double> p = {0.1, 0.4, 0.2, 0.3};
  const auto f = frequencies({.temperature = 1.0f, .top_k = 2, .seed = 3}, log_probs(p), kDraws);
  EXPECT_EQ(f[0], 0.0);
  EXPECT_EQ(f[2], 0.0);
  EXPECT_NEAR(f[1], 0.4 / 0.7, kTol);
  EXPECT_NEAR(f[3], 0.3 / 0.7, kTol);
}

TEST(Sampler, TopPKeepsSmallestPrefixReachingP) {
  const std::vector<double> p = {0.5, 0.3, 0.15, 0.05};
  // 0.5 < 0.75 <= 0.8: the top two survive.
  const auto f = frequencies({.temperature = 1.0f, .top_p = 0.75f, .seed = 4}, log_probs(p), kDraws);
  EXPECT_NEAR(f[0], 0.5 / 0.8, kTol);
  EXPECT_NEAR(f[1], 0.3 / 0.8, kTol);
  EXPECT_EQ(f[2] + f[3], 0.0);
}

TEST(Sampler, MinPDropsTokensBelowFractionOfTheBest) {
  const std::vector<double> p = {0.5, 0.3, 0.15, 0.05};
  // threshold 0.25 * 0.5 = 0.125: 0.05 goes.
  const auto f = frequencies({.temperature = 1.0f, .min_p = 0.25f, .seed = 5}, log_probs(p), kDraws);
  EXPECT_EQ(f[3], 0.0);
  EXPECT_NEAR(f[0], 0.5 / 0.95, kTol);
  EXPECT_NEAR(f[2], 0.15 / 0.95, kTol);
}

TEST(Sampler, RepeatPenaltyDividesPositiveAndMultipliesNegative) {
  Sampler s({.repeat_penalty = 2.0f, .repeat_last_n = 2});
  std::vector<float> l = {4.0f, 3.0f, -1.0f, 2.5f};
  const std::vector<int32_t> history = {3, 0, 2};  // 3 is outside the last 2
  EXPECT_EQ(s.sample(l, history), 1);              // 4 -> 2, so 3.0 wins
  EXPECT_EQ(l[0], 2.0f);
  EXPECT_EQ(l[2], -2.0f);
  EXPECT_EQ(l[3], 2.5f);
}

// llama.cpp's penalties: logit -= count · frequency + presence for each
// token in the window, after the repetition penalty.
TEST(Sampler, PresenceAndFrequencyPenaltiesSubtractPerTokenAndPerOccurrence) {
  Sampler s({.repeat_last_n = 4, .presence_penalty = 0.5f, .frequency_penalty = 0.25f});
  std::vector<float> l = {1.0f, 3.0f, 2.0f, 2.6f};
  const std::vector<int32_t> history = {2, 1, 3, 1, 1};  // the window is {1, 3, 1, 1}
  EXPECT_EQ(s.sample(l, history), 2);                    // 3 - 1.25 and 2.6 - 0.75 fall below 2
  EXPECT_FLOAT_EQ(l[1], 3.0f - 3 * 0.25f - 0.5f);
  EXPECT_FLOAT_EQ(l[3], 2.6f - 0.25f - 0.5f);
  EXPECT_EQ(l[0], 1.0f);
  EXPECT_EQ(l[2], 2.0f);  // outside the window: untouched
}

TEST(Sampler, SameSeedSameSequenceDifferentSeedDifferent) {
  const auto l0 = log_probs({0.25, 0.25, 0.25, 0.25});
  auto draw = [&](uint64_t seed) {
    Sampler s({.temperature = 1.0f, .seed = seed});
    std::vector<int32_t> out;
    for (int i = 0; i < 64; ++i) {
      auto l = l0;
      out.push_back(s.sample(l, {}));
    }
    return out;
  };
  EXPECT_EQ(draw(7), draw(7));
  EXPECT_NE(draw(7), draw(8));
}

}  // namespace
}  // namespace reach::run
