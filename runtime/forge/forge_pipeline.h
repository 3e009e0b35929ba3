#pragma once
// reach-run forge: the model-forging loop as one command. A baseline
// perplexity on the eval text, then per cycle:
//   head importance (activation on the training text, or weight L2)
//   → prune the next `prune_fraction` of all heads (the least important
//     not yet pruned; pruning accumulates)
//   → LoRA training on the pruned model, the pruned heads masked
//   → the adapter merged, and the pruned heads' weights cleared again (an
//     update must not bring a pruned head back)
//   → evaluation → the model saved in the input's format (an HF folder:
//     safetensors) → greedy samples.
// Each cycle starts from the last one's model. Everything a cycle writes
// goes under OUT/cycle-K/: model (or model.gguf) and adapter (PEFT).
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "forge/prune.h"
#include "kernels/thread_pool.h"
#include "train/finetune.h"

namespace reach::run {

struct ForgeOptions {
  int64_t cycles = 1;
  double prune_fraction = 0.1;    // of all heads, pruned in each cycle
  bool by_activation = true;      // head importance: activation on the training text, else weight L2
  train::FinetuneOptions lora;    // each cycle's LoRA training (its masked_heads are set per cycle)
  int64_t eval_ctx = 256;         // perplexity windows and activation scoring
  std::string prompt;             // greedy samples start here
  int64_t sample_tokens = 32;
};

struct ForgeCycle {
  int64_t cycle = 0;
  HeadList pruned_now, pruned_total;
  double ppl_before = 0, ppl_pruned = 0, ppl_after = 0;
  std::vector<double> loss;       // per training step
  double seconds = 0;
  size_t peak_rss = 0;            // the process's peak resident memory during the cycle
  std::string sample;
  std::filesystem::path model, adapter;
};

struct ForgeReport {
  std::filesystem::path base;
  int64_t heads = 0;              // in the whole model
  double baseline_ppl = 0;
  std::string baseline_sample;
  std::vector<ForgeCycle> cycles;
};

struct ForgeProgress {
  std::function<void(const std::string& stage)> stage;     // "cycle 1: pruning 4 heads", ...
  std::function<void(const train::StepReport&)> step;      // each training step
};

// Throws std::invalid_argument for options that cannot run (a fraction
// outside (0, 1], more heads than the model has, a text too short to
// train on), FormatError for a bad model, std::runtime_error when writing
// fails. `out` must not exist.
ForgeReport run_forge(const std::filesystem::path& model, const std::string& data_text, const std::string& eval_text,
                      const ForgeOptions& options, const std::filesystem::path& out, ThreadPool& pool,
                      const ForgeProgress& progress);

}  // namespace reach::run
