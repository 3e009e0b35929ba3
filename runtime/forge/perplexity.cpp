#include "forge/perplexity.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace reach::run {

double negative_log_likelihood(std::span<const float> logits, int32_t target) {
  const float max = *std::max_element(logits.begin(), logits.end());
  double sum = 0;
  for (const float l : logits) sum += std::exp(static_cast<double>(l) - max);
  return std::log(sum) - (static_cast<double>(logits[static_cast<size_t>(target)]) - max);
}

namespace {

// Where windows start and which of their positions are scored.
struct WindowPlan {
  int64_t count = 0, step = 0;
  int64_t first_scored = 0;  // position whose logits predict the next token
};

WindowPlan plan_windows(int64_t n_tokens, const PerplexityOptions& o) {
  if (o.ctx < 2) throw std::invalid_argument("--ctx must be at least 2, got " + std::to_string(o.ctx));
  if (o.batch < 1) throw std::invalid_argument("--batch must be at least 1, got " + std::to_string(o.batch));
  if (o.stride < 0 || o.stride >= o.ctx)
    throw std::invalid_argument("--stride must be between 1 and --ctx - 1 (" + std::to_string(o.ctx - 1) + "), got " +
                                std::to_string(o.stride));
  if (n_tokens < 2 * o.ctx)
    throw std::invalid_argument("the text has " + std::to_string(n_tokens) + " tokens; perplexity with --ctx " +
                                std::to_string(o.ctx) + " needs at least " + std::to_string(2 * o.ctx) +
                                " (two windows)");
  if (o.stride == 0) return {n_tokens / o.ctx, o.ctx, o.ctx / 2};
  return {(n_tokens - o.ctx + o.stride - 1) / o.stride, o.stride, o.ctx - o.stride - 1};
}

}  // namespace

PerplexityResult perplexity(Model& model, std::span<const int32_t> tokens, const PerplexityOptions& o,
                            const std::function<void(const WindowScore&, int64_t windows)>& on_window) {
  const WindowPlan plan = plan_windows(static_cast<int64_t>(tokens.size()), o);
  const auto vocab = static_cast<size_t>(model.config().vocab_size);
  KVCache cache = model.make_cache(o.ctx);
  PerplexityResult r;
  double nll = 0, nll2 = 0;
  std::vector<int32_t> window(static_cast<size_t>(o.ctx));
  for (int64_t w = 0; w < plan.count; ++w) {
    WindowScore score{w, w * plan.step, 0, 0, 0};
    std::copy_n(tokens.begin() + score.start, o.ctx, window.begin());
    if (o.bos_id >= 0) window[0] = o.bos_id;
    cache.clear();
    for (int64_t b = 0; b < o.ctx; b += o.batch) {
      const int64_t n = std::min(o.batch, o.ctx - b);
      const auto logits = model.forward({window.data() + b, static_cast<size_t>(n)}, cache, Logits::All);
      for (int64_t j = std::max(b, plan.first_scored); j < b + n && j < o.ctx - 1; ++j) {
        // The next token as the text has it (window[j + 1], never the BOS swap).
        const double v = negative_log_likelihood(logits.subspan(static_cast<size_t>(j - b) * vocab, vocab),
                                                 tokens[static_cast<size_t>(score.start + j + 1)]);
        score.nll += v;
        nll2 += v * v;
        ++score.scored;
      }
    }
    nll += score.nll;
    r.tokens_scored += score.scored;
    r.tokens_evaluated += o.ctx;
    score.running_ppl = std::exp(nll / static_cast<double>(r.tokens_scored));
    r.windows.push_back(score);
    if (on_window) on_window(score, plan.count);
  }
  const auto count = static_cast<double>(r.tokens_scored);
  r.mean_nll = nll / count;
  r.perplexity = std::exp(r.mean_nll);
  const double variance = nll2 / count - r.mean_nll * r.mean_nll;
  r.standard_error = variance > 0 && count > 1 ? r.perplexity * std::sqrt(variance / (count - 1)) : 0;
  return r;
}

}  // namespace reach::run
