#include "sample/sampler.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace reach::run {

int32_t argmax(std::span<const float> logits) {
  return static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
}

Sampler::Sampler(const SamplerConfig& config) : config_(config), rng_(config.seed) {}

double Sampler::uniform() { return static_cast<double>(rng_() >> 11) * 0x1p-53; }

void Sampler::apply_repeat_penalty(std::span<float> logits, std::span<const int32_t> history) const {
  const bool off = config_.repeat_penalty == 1.0f && config_.presence_penalty == 0.0f &&
                   config_.frequency_penalty == 0.0f;
  if (off || config_.repeat_last_n <= 0) return;
  const size_t n = std::min(history.size(), static_cast<size_t>(config_.repeat_last_n));
  std::unordered_map<int32_t, int> count;
  for (auto it = history.end() - static_cast<std::ptrdiff_t>(n); it != history.end(); ++it) ++count[*it];
  for (const auto& [id, times] : count) {
    if (id < 0 || static_cast<size_t>(id) >= logits.size()) continue;
    float& l = logits[static_cast<size_t>(id)];
    // Divide positive logits, multiply negative ones: both make the token less likely.
    l = l > 0 ? l / config_.repeat_penalty : l * config_.repeat_penalty;
    l -= static_cast<float>(times) * config_.frequency_penalty + config_.presence_penalty;
  }
}

int32_t Sampler::sample(std::span<float> logits, std::span<const int32_t> history) {
  apply_repeat_penalty(logits, history);
  if (config_.temperature <= 0.0f) return argmax(logits);

  candidates_.clear();
  for (size_t i = 0; i < logits.size(); ++i) candidates_.push_back({static_cast<int32_t>(i), logits[i], 0.0f});
  auto by_logit = [](const Candidate& a, const Candidate& b) { return a.logit > b.logit || (a.logit == b.logit && a.id < b.id); };

  if (config_.top_k > 0 && static_cast<size_t>(config_.top_k) < candidates_.size()) {
    std::partial_sort(candidates_.begin(), candidates_.begin() + config_.top_k, candidates_.end(), by_logit);
    candidates_.resize(static_cast<size_t>(config_.top_k));
  } else {
    std::sort(candidates_.begin(), candidates_.end(), by_logit);
  }

  // Probabilities of what is left, before temperature.
  auto normalize = [this](float temperature) {
    const float max = candidates_.front().logit;
    double sum = 0;
    for (auto& c : candidates_) sum += (c.p = std::exp((c.logit - max) / temperature));
    for (auto& c : candidates_) c.p = static_cast<float>(c.p / sum);
  };
  normalize(1.0f);

  if (config_.top_p < 1.0f) {
    double cumulative = 0;
    size_t keep = 0;
    while (keep < candidates_.size()) {
      cumulative += candidates_[keep++].p;
      if (cumulative >= config_.top_p) break;
    }
    candidates_.resize(keep);
  }
  if (config_.min_p > 0.0f) {
    const float threshold = config_.min_p * candidates_.front().p;
    size_t keep = 1;
    while (keep < candidates_.size() && candidates_[keep].p >= threshold) ++keep;
    candidates_.resize(keep);
  }

  normalize(config_.temperature);
  double r = uniform();
  for (const auto& c : candidates_) {
    if (r < c.p) return c.id;
    r -= c.p;
  }
  return candidates_.back().id;  // rounding left r just above the total
}

}  // namespace reach::run
