#include "forge/forge_pipeline.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>
#include <stdexcept>

#include "forge/heads.h"
#include "forge/lora_merge.h"
#include "forge/perplexity.h"
#include "lora/peft_writer.h"
#include "model/memory_account.h"
#include "model/model.h"
#include "tokenizer/tokenizer.h"

namespace reach::run {
namespace {

namespace fs = std::filesystem;

double eval_perplexity(const ModelSource& source, std::span<const int32_t> tokens, int32_t bos, int64_t ctx,
                       ThreadPool& pool) {
  Model model(source, pool);
  return perplexity(model, tokens, {ctx, 0, ctx, bos}).perplexity;
}

std::string greedy_sample(const ModelSource& source, const Tokenizer& tokenizer, const std::string& prompt,
                          int64_t n, ThreadPool& pool) {
  Model model(source, pool);
  const std::vector<int32_t> ids = tokenizer.encode(prompt, true);
  KVCache cache = model.make_cache(static_cast<int64_t>(ids.size()) + n);
  std::vector<int32_t> out;
  auto logits = model.forward(ids, cache);
  for (int64_t i = 0; i < n; ++i) {
    const auto best = static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
    out.push_back(best);
    if (i + 1 < n) logits = model.forward({&best, 1}, cache);
  }
  return tokenizer.decode(out);
}

// The next round(fraction · all) heads by least importance, among those not
// pruned yet (a pruned head's activation is not zero: with q zeroed it
// still averages v).
HeadList next_heads(const std::vector<std::vector<HeadScore>>& scores, const HeadList& pruned, double fraction,
                    bool by_activation) {
  const std::set<std::pair<int32_t, int32_t>> done(pruned.begin(), pruned.end());
  std::vector<HeadScore> open;
  size_t all = 0;
  for (const auto& layer : scores)
    for (const HeadScore& h : layer) {
      ++all;
      if (!done.count({h.layer, h.head})) open.push_back(h);
    }
  std::stable_sort(open.begin(), open.end(), [&](const HeadScore& a, const HeadScore& b) {
    return (by_activation ? a.activation : a.weight_l2) < (by_activation ? b.activation : b.weight_l2);
  });
  const auto count = std::min(open.size(), static_cast<size_t>(std::llround(fraction * static_cast<double>(all))));
  HeadList heads;
  for (size_t i = 0; i < count; ++i) heads.emplace_back(open[i].layer, open[i].head);
  return heads;
}

LoraAdapter as_adapter(const std::vector<train::LoraParams<float>>& pairs, const fs::path& path) {
  LoraAdapter a{path, {}};
  for (const auto& p : pairs) a.deltas[p.weight] = {p.rank, p.in, p.out, p.a, p.b, p.scale};
  return a;
}

// `model` with `adapter` merged into `out`, the pruned heads cleared again.
void merge_keeping_heads_pruned(const ModelSource& pruned, const LoraAdapter& adapter, const HeadList& heads,
                                const fs::path& out, ThreadPool& pool) {
  write_merged(pruned, {adapter}, out, pool);
  const bool folder = fs::is_directory(pruned.path());
  for (const auto& [file, ranges] : prune_ranges(pruned, heads)) clear_ranges(folder ? out / file.filename() : out, ranges);
}

class Forge {
 public:
  Forge(const fs::path& base, const std::string& data, const std::string& eval, const ForgeOptions& o,
        const fs::path& out, ThreadPool& pool, const ForgeProgress& progress)
      : o_(o), out_(out), pool_(pool), progress_(progress), gguf_(!fs::is_directory(base)) {
    const auto source = open_model(base);
    tokenizer_ = Tokenizer::load(source->tokenizer());
    data_ = tokenizer_->encode(data, true);
    eval_ = tokenizer_->encode(eval, true);
    bos_ = !eval_.empty() && eval_.front() == tokenizer_->bos_id() ? tokenizer_->bos_id() : -1;
    report_.base = base;
    report_.heads = int64_t{source->config().n_layers} * source->config().n_heads;
    stage("baseline perplexity");
    report_.baseline_ppl = eval_perplexity(*source, eval_, bos_, o.eval_ctx, pool);
    report_.baseline_sample = greedy_sample(*source, *tokenizer_, o.prompt, o.sample_tokens, pool);
  }

  ForgeReport run() {
    fs::path current = report_.base;
    HeadList pruned;
    double before = report_.baseline_ppl;
    for (int64_t k = 1; k <= o_.cycles; ++k) {
      report_.cycles.push_back(cycle(k, current, pruned, before));
      current = report_.cycles.back().model;
      pruned = report_.cycles.back().pruned_total;
      before = report_.cycles.back().ppl_after;
    }
    return std::move(report_);
  }

 private:
  void stage(const std::string& what) const {
    if (progress_.stage) progress_.stage(what);
  }

  ForgeCycle cycle(int64_t k, const fs::path& from, const HeadList& pruned, double before) {
    reset_resident_peak();
    const auto t0 = std::chrono::steady_clock::now();
    ForgeCycle c;
    c.cycle = k, c.ppl_before = before;
    const fs::path dir = out_ / ("cycle-" + std::to_string(k));
    fs::create_directories(dir);
    const auto source = open_model(from);
    auto scores = head_weight_scores(*source);
    if (o_.by_activation) {
      stage("cycle " + std::to_string(k) + ": head importance");
      Model model(*source, pool_);
      add_activation_scores(model, data_, o_.eval_ctx, scores);
    }
    c.pruned_now = next_heads(scores, pruned, o_.prune_fraction, o_.by_activation);
    c.pruned_total = pruned;
    c.pruned_total.insert(c.pruned_total.end(), c.pruned_now.begin(), c.pruned_now.end());
    stage("cycle " + std::to_string(k) + ": pruning " + std::to_string(c.pruned_now.size()) + " heads");
    const fs::path pruned_path = dir / (gguf_ ? "pruned.gguf" : "pruned");
    write_pruned(*source, c.pruned_total, pruned_path);
    const auto pruned_source = open_model(pruned_path);
    c.ppl_pruned = eval_perplexity(*pruned_source, eval_, bos_, o_.eval_ctx, pool_);

    stage("cycle " + std::to_string(k) + ": LoRA training");
    train::FinetuneOptions lora = o_.lora;
    lora.masked_heads = c.pruned_total;
    lora.seed = o_.lora.seed + static_cast<uint64_t>(k);
    const train::FinetuneResult trained = train::finetune(*pruned_source, data_, lora, pool_, [&](const train::StepReport& r) {
      c.loss.push_back(r.loss);
      if (progress_.step) progress_.step(r);
    });
    c.adapter = dir / "adapter";
    std::vector<PeftPairOut> pairs;
    for (const auto& p : trained.pairs) pairs.push_back({p.weight, p.rank, p.in, p.out, p.a, p.b});
    write_peft_adapter(c.adapter, {lora.rank, lora.alpha, false, from.string()}, pairs, *pruned_source);

    stage("cycle " + std::to_string(k) + ": merging and evaluating");
    c.model = dir / (gguf_ ? "model.gguf" : "model");
    merge_keeping_heads_pruned(*pruned_source, as_adapter(trained.pairs, c.adapter), c.pruned_total, c.model, pool_);
    fs::remove_all(pruned_path);
    const auto merged = open_model(c.model);
    c.ppl_after = eval_perplexity(*merged, eval_, bos_, o_.eval_ctx, pool_);
    c.sample = greedy_sample(*merged, *tokenizer_, o_.prompt, o_.sample_tokens, pool_);
    c.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    c.peak_rss = resident_memory().peak;
    return c;
  }

  const ForgeOptions& o_;
  fs::path out_;
  ThreadPool& pool_;
  const ForgeProgress& progress_;
  bool gguf_;
  std::unique_ptr<Tokenizer> tokenizer_;
  std::vector<int32_t> data_, eval_;
  int32_t bos_ = -1;
  ForgeReport report_;
};

}  // namespace

ForgeReport run_forge(const fs::path& model, const std::string& data_text, const std::string& eval_text,
                      const ForgeOptions& options, const fs::path& out, ThreadPool& pool, const ForgeProgress& progress) {
  if (!(options.prune_fraction > 0 && options.prune_fraction <= 1))
    throw std::invalid_argument("--prune-fraction must be in (0, 1], got " + std::to_string(options.prune_fraction));
  if (options.cycles < 1) throw std::invalid_argument("--cycles must be at least 1");
  if (options.prune_fraction * static_cast<double>(options.cycles) > 1.0 + 1e-9)
    throw std::invalid_argument("--cycles × --prune-fraction prunes more heads than the model has");
  std::error_code ec;
  if (fs::exists(out, ec)) throw std::invalid_argument(out.string() + ": already exists; give a new folder");
  fs::create_directories(out);
  return Forge(model, data_text, eval_text, options, out, pool, progress).run();
}

}  // namespace reach::run
