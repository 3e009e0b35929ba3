#include "serve/token_logprobs.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace reach::run::serve {

TokenLogprobs token_logprobs(std::span<const float> logits, int32_t chosen, int top) {
  // log Σ e^x in double, shifted by the maximum so that nothing overflows.
  const float max = *std::max_element(logits.begin(), logits.end());
  double sum = 0.0;
  for (float x : logits) sum += std::exp(static_cast<double>(x) - max);
  const double log_sum = max + std::log(sum);
  const auto logprob = [&](int32_t id) { return static_cast<float>(logits[static_cast<size_t>(id)] - log_sum); };

  TokenLogprobs r{{chosen, logprob(chosen), {}}, {}};
  const size_t k = std::min(static_cast<size_t>(std::max(top, 0)), logits.size());
  std::vector<int32_t> ids(logits.size());
  std::iota(ids.begin(), ids.end(), 0);
  const auto more_likely = [&](int32_t a, int32_t b) {
    return logits[static_cast<size_t>(a)] > logits[static_cast<size_t>(b)] ||
           (logits[static_cast<size_t>(a)] == logits[static_cast<size_t>(b)] && a < b);
  };
  std::partial_sort(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(k), ids.end(), more_likely);
  for (size_t i = 0; i < k; ++i) r.top.push_back({ids[i], logprob(ids[i]), {}});
  return r;
}

}  // namespace reach::run::serve
