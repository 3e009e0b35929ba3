#include "tool/training_options.h"

#include <unistd.h>

#include <cstdio>
#include <sstream>
#include <string>

#include "formats/mib.h"
#include "model/memory_account.h"
#include "tool/memory_plan.h"
#include "tool/output.h"

namespace reach::run::cli {

std::vector<OptionSpec> training_option_specs() {
  return {
      {"--rank", "", "R", "the adapters' rank (default 8)"},
      {"--alpha", "", "A", "lora_alpha: updates are scaled by A / R (default 16)"},
      {"--targets", "", "LIST", "matrices to adapt, of q,k,v,o,gate,up,down (default all)"},
      {"--ctx", "", "N", "tokens per training window (default 256)"},
      {"--batch", "", "N", "windows per step (default 4)"},
      {"--lr", "", "LR", "peak learning rate, after --warmup, decaying linearly to 0 (default 2e-4)"},
      {"--weight-decay", "", "WD", "AdamW's decoupled weight decay (default 0.01)"},
      {"--warmup", "", "N", "steps of linear warmup (default 0)"},
      {"--optimizer", "", "NAME", "adamw (fp32 moments, default) or adamw8bit (block-wise 8-bit moments)"},
      {"--checkpointing", "", "", "keep only each layer's input and recompute inside it: less memory, more time"},
      {"--seed", "", "N", "initialization and window order (default 0): the same seed, the same adapter"},
  };
}

train::FinetuneOptions parse_training_options(const Args& a) {
  train::FinetuneOptions o;
  o.rank = a.integer("--rank", 8, 1, 4096);
  o.alpha = a.number("--alpha", 16, -1e6, 1e6);
  if (a.has("--targets")) {
    o.targets.clear();
    std::stringstream list(a.str("--targets"));
    for (std::string t; std::getline(list, t, ',');) o.targets.push_back(t);
  }
  o.ctx = a.integer("--ctx", 256, 1, 1 << 20);
  o.batch = a.integer("--batch", 4, 1, 1 << 16);
  o.lr = a.number("--lr", 2e-4, 0, 10);
  o.weight_decay = a.number("--weight-decay", 0.01, 0, 10);
  o.warmup = a.integer("--warmup", 0, 0, int64_t{1} << 40);
  const std::string optimizer = a.str("--optimizer", "adamw");
  if (optimizer != "adamw" && optimizer != "adamw8bit")
    throw UsageError("--optimizer is adamw or adamw8bit, got '" + optimizer + "'");
  o.adamw_8bit = optimizer == "adamw8bit";
  o.checkpointing = a.has("--checkpointing");
  o.seed = static_cast<uint64_t>(a.integer("--seed", 0, 0, INT64_MAX));
  try {
    train::parse_targets(o.targets);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  return o;
}

void check_training_memory(const Args& a, const ModelSource& source, const train::FinetuneOptions& o, int threads) {
  const train::FinetuneMemory plan = train::plan_finetune(source.config(), o, threads);
  const MemoryBudget budget = memory_budget(a.has("--max-memory"), a.str("--max-memory", ""));
  const size_t weights = weight_bytes(source), total = weights + plan.total();
  if (total <= budget.bytes) return;
  throw UsageError("weights " + mib(weights) + ", activations of a step " + mib(plan.activations) + ", adapters and gradients " +
                   mib(plan.adapters) + ", optimizer state " + mib(plan.optimizer) + ", dequantized weight pieces " +
                   mib(plan.dequantized) + ": " + mib(total) + " > budget " +
                   mib(budget.bytes) + (budget.from_option ? " (--max-memory)" : " (memory available)") +
                   "; try --checkpointing, a smaller --batch or --ctx, or --optimizer adamw8bit");
}

void report_training_step(const train::StepReport& r) {
  const ResidentMemory rss = resident_memory();
  const std::string line = formatted("step %lld/%lld  loss %.4f  lr %.2e  %.0f tokens/s  rss %s (peak %s)",
                                     static_cast<long long>(r.step), static_cast<long long>(r.steps), r.loss, r.lr,
                                     static_cast<double>(r.tokens) / r.seconds, mib(rss.now).c_str(),
                                     mib(rss.peak).c_str());
  if (isatty(STDERR_FILENO)) {
    const int done = static_cast<int>(30 * r.step / r.steps);
    std::fprintf(stderr, "\r[%-30s] %s", std::string(done, '#').c_str(), line.c_str());
    if (r.step == r.steps) std::fputc('\n', stderr);
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
}

}  // namespace reach::run::cli
