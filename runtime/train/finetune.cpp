#include "train/finetune.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "model/weights.h"
#include "train/adamw.h"
#include "train/frozen_linear.h"
#include "train/lora_trainer.h"

namespace reach::run::train {
namespace {

// New pairs for every layer's targeted matrices, A drawn from `rng`.
std::vector<LoraParams<float>> new_pairs(const ModelSource& source, const FinetuneOptions& o, std::mt19937_64& rng) {
  const std::vector<LoraTarget> targets = parse_targets(o.targets);
  std::vector<LoraParams<float>> pairs;
  for (int32_t layer = 0; layer < source.config().n_layers; ++layer)
    for (const LoraTarget& t : targets) {
      const std::string weight = lora_weight_name(layer, t);
      const TensorView& w = source.get(weight);
      pairs.push_back(new_lora_params<float>(weight, o.rank, w.cols(), w.rows(),
                                             o.alpha / static_cast<double>(o.rank), rng));
    }
  return pairs;
}

// The windows in a new shuffled order each epoch, `batch` at a time.
class WindowStream {
 public:
  WindowStream(std::span<const int32_t> tokens, int64_t ctx, std::mt19937_64& rng)
      : tokens_(tokens), ctx_(ctx), rng_(rng), order_(static_cast<size_t>(window_count(static_cast<int64_t>(tokens.size()), ctx))) {}

  std::vector<int32_t> next(int64_t batch) {
    std::vector<int32_t> out;
    for (int64_t i = 0; i < batch; ++i) {
      if (at_ == 0) {
        std::iota(order_.begin(), order_.end(), int64_t{0});
        std::shuffle(order_.begin(), order_.end(), rng_);
      }
      const auto first = tokens_.begin() + order_[at_] * ctx_;
      out.insert(out.end(), first, first + ctx_ + 1);
      at_ = (at_ + 1) % order_.size();
    }
    return out;
  }

 private:
  std::span<const int32_t> tokens_;
  int64_t ctx_;
  std::mt19937_64& rng_;
  std::vector<int64_t> order_;
  size_t at_ = 0;
};

double lr_at(int64_t step, int64_t steps, const FinetuneOptions& o) {  // step is 1-based
  if (step <= o.warmup) return o.lr * static_cast<double>(step) / static_cast<double>(o.warmup);
  return o.lr * static_cast<double>(steps - step + 1) / static_cast<double>(std::max<int64_t>(1, steps - o.warmup));
}

}  // namespace

std::vector<LoraTarget> parse_targets(const std::vector<std::string>& targets) {
  std::vector<LoraTarget> chosen;
  for (const std::string& name : targets) {
    const auto it = std::find_if(std::begin(kLoraTargets), std::end(kLoraTargets),
                                 [&](const LoraTarget& t) { return name == t.short_name; });
    if (it == std::end(kLoraTargets))
      throw std::invalid_argument("--targets: unknown '" + name + "' (q, k, v, o, gate, up, down)");
    chosen.push_back(*it);
  }
  if (chosen.empty()) throw std::invalid_argument("--targets: no target");
  return chosen;
}

int64_t window_count(int64_t tokens, int64_t ctx) { return tokens > ctx ? (tokens - 1) / ctx : 0; }

int64_t planned_steps(const FinetuneOptions& o, int64_t windows) {
  if (o.steps > 0) return o.steps;
  return std::max<int64_t>(1, static_cast<int64_t>(std::ceil(o.epochs * static_cast<double>(windows) / static_cast<double>(o.batch))));
}

FinetuneMemory plan_finetune(const ModelConfig& c, const FinetuneOptions& o, int threads) {
  const std::vector<LoraTarget> targets = parse_targets(o.targets);
  const int64_t q = int64_t{c.n_heads} * c.head_dim, kv = int64_t{c.n_kv_heads} * c.head_dim;
  int64_t params = 0;  // A and B of every pair
  for (const LoraTarget& t : targets) {
    const std::string m = t.module;
    const int64_t in = m == "o_proj" ? q : m == "down_proj" ? c.ffn_dim : c.dim;
    const int64_t out = m == "q_proj" ? q : m == "k_proj" || m == "v_proj" ? kv : m == "o_proj" || m == "down_proj" ? c.dim : c.ffn_dim;
    params += o.rank * (in + out);
  }
  params *= c.n_layers;
  FinetuneMemory plan;
  plan.activations = LoraTrainer<float>::activation_bytes(c, o.batch, o.ctx, o.checkpointing);
  plan.adapters = static_cast<size_t>(params) * 2 * sizeof(float);
  const auto n = static_cast<size_t>(params);
  plan.optimizer = o.adamw_8bit ? 2 * (n + (n + kAdamBlock - 1) / kAdamBlock * 4) : 2 * n * sizeof(float);
  const int64_t widest = std::max<int64_t>({c.vocab_size, c.ffn_dim, q}), deepest = std::max<int64_t>({c.dim, c.ffn_dim, q});
  plan.dequantized = static_cast<size_t>(std::max(1, threads)) * FrozenLinear<float>::piece_bytes(widest, deepest);
  return plan;
}

FinetuneResult finetune(const ModelSource& source, std::span<const int32_t> tokens,
                                        const FinetuneOptions& o, ThreadPool& pool,
                                        const std::function<void(const StepReport&)>& on_step) {
  const int64_t windows = window_count(static_cast<int64_t>(tokens.size()), o.ctx);
  if (windows == 0)
    throw std::invalid_argument("the text is " + std::to_string(tokens.size()) + " tokens; training needs at least --ctx + 1 = " +
                                std::to_string(o.ctx + 1));
  std::mt19937_64 rng(o.seed);
  std::vector<LoraParams<float>> pairs = new_pairs(source, o, rng);
  LoraTrainer<float> trainer(source, pairs, pool);
  trainer.mask_heads(o.masked_heads);
  std::vector<AdamW> state_a, state_b;
  for (const auto& p : pairs) state_a.emplace_back(p.a.size(), o.adamw_8bit), state_b.emplace_back(p.b.size(), o.adamw_8bit);
  WindowStream stream(tokens, o.ctx, rng);
  const int64_t steps = planned_steps(o, windows);
  const AdamWSettings settings{0.9, 0.999, 1e-8, o.weight_decay};
  for (int64_t step = 1; step <= steps; ++step) {
    const auto t0 = std::chrono::steady_clock::now();
    const double loss = trainer.step(stream.next(o.batch), o.batch, o.checkpointing);
    const double lr = lr_at(step, steps, o);
    for (size_t i = 0; i < pairs.size(); ++i) {
      state_a[i].update(pairs[i].a, pairs[i].grad_a, step, lr, settings);
      state_b[i].update(pairs[i].b, pairs[i].grad_b, step, lr, settings);
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    on_step({step, steps, loss, lr, seconds, o.batch * o.ctx});
  }
  FinetuneResult result{std::move(pairs), 0};
  for (size_t i = 0; i < state_a.size(); ++i) result.optimizer_bytes += state_a[i].state_bytes() + state_b[i].state_bytes();
  return result;
}

}  // namespace reach::run::train
