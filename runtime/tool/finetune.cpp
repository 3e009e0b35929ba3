// reach-run finetune: a new LoRA adapter trained on a text over a frozen
// model (train/finetune.h), written as a PEFT folder that --lora loads.
// Loss, tokens/s and memory each step; the run's memory planned against
// the budget before it starts.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "formats/mib.h"
#include "lora/peft_writer.h"
#include "tokenizer/tokenizer.h"
#include "tool/args.h"
#include "tool/commands.h"
#include "tool/head_options.h"
#include "tool/memory_plan.h"
#include "tool/output.h"
#include "train/finetune.h"

namespace reach::run::cli {

namespace {

const std::vector<OptionSpec> kFinetuneOptions = {
    {"--model", "-m", "PATH", "the frozen base model: an HF folder or a .gguf file (any type)"},
    {"--data", "", "FILE", "the text to train on (UTF-8)"},
    {"--out", "-o", "DIR", "where to write the adapter (PEFT: adapter_config.json, adapter_model.safetensors)"},
    {"--rank", "", "R", "the adapters' rank (default 8)"},
    {"--alpha", "", "A", "lora_alpha: updates are scaled by A / R (default 16)"},
    {"--targets", "", "LIST", "matrices to adapt, of q,k,v,o,gate,up,down (default all)"},
    {"--ctx", "", "N", "tokens per training window (default 256)"},
    {"--batch", "", "N", "windows per step (default 4)"},
    {"--steps", "", "N", "steps to run (default: from --epochs)"},
    {"--epochs", "", "E", "passes over the text's windows (default 1)"},
    {"--lr", "", "LR", "peak learning rate, after --warmup, decaying linearly to 0 (default 2e-4)"},
    {"--weight-decay", "", "WD", "AdamW's decoupled weight decay (default 0.01)"},
    {"--warmup", "", "N", "steps of linear warmup (default 0)"},
    {"--optimizer", "", "NAME", "adamw (fp32 moments, default) or adamw8bit (block-wise 8-bit moments)"},
    {"--checkpointing", "", "", "keep only each layer's input and recompute inside it: less memory, more time"},
    {"--seed", "", "N", "initialization and window order (default 0): the same seed, the same adapter"},
    {"--threads", "-t", "N", "threads (default: all cores)"},
    {"--max-memory", "", "SIZE", kMaxMemoryHelp},
    {"--output", "", "FORMAT", "'text' (default) or 'json' (the loss of every step, timings, memory)"},
};

// The process's resident memory now and at its peak (/proc/self/status).
std::pair<size_t, size_t> rss_now_and_peak() {
  std::ifstream in("/proc/self/status");
  size_t now = 0, peak = 0;
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line.substr(line.find(':') + 1));
    size_t kib = 0;
    fields >> kib;
    if (line.starts_with("VmRSS:")) now = kib << 10;
    if (line.starts_with("VmHWM:")) peak = kib << 10;
  }
  return {now, peak};
}

void report_step(const train::StepReport& r) {
  const auto [now, peak] = rss_now_and_peak();
  const std::string line = formatted("step %lld/%lld  loss %.4f  lr %.2e  %.0f tokens/s  rss %s (peak %s)",
                                     static_cast<long long>(r.step), static_cast<long long>(r.steps), r.loss, r.lr,
                                     static_cast<double>(r.tokens) / r.seconds, mib(now).c_str(), mib(peak).c_str());
  if (isatty(STDERR_FILENO)) {
    const int done = static_cast<int>(30 * r.step / r.steps);
    std::fprintf(stderr, "\r[%-30s] %s", std::string(done, '#').c_str(), line.c_str());
    if (r.step == r.steps) std::fputc('\n', stderr);
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
}

train::FinetuneOptions parse_options(const Args& a) {
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
  o.steps = a.integer("--steps", 0, 0, int64_t{1} << 40);
  o.epochs = a.number("--epochs", 1, 1e-9, 1e6);
  if (a.has("--steps") && a.has("--epochs")) throw UsageError("give --steps or --epochs, not both");
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
    train::target_modules(o.targets);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  return o;
}

// The model's weights and the run's buffers against the budget: a UsageError
// with the breakdown when they do not fit, before anything is trained.
void check_memory(const Args& a, const ModelSource& source, const train::FinetuneOptions& o) {
  const train::FinetuneMemory plan = train::plan_finetune(source.config(), o);
  const MemoryBudget budget = memory_budget(a.has("--max-memory"), a.str("--max-memory", ""));
  const size_t weights = weight_bytes(source), total = weights + plan.total();
  if (total <= budget.bytes) return;
  throw UsageError("weights " + mib(weights) + ", activations of a step " + mib(plan.activations) + ", adapters and gradients " +
                   mib(plan.adapters) + ", optimizer state " + mib(plan.optimizer) + ": " + mib(total) + " > budget " +
                   mib(budget.bytes) + (budget.from_option ? " (--max-memory)" : " (memory available)") +
                   "; try --checkpointing, a smaller --batch or --ctx, or --optimizer adamw8bit");
}

}  // namespace

int finetune(int argc, char** argv) {
  const Args a(argc, argv, 2, kFinetuneOptions);
  if (a.help()) {
    write_stdout(usage("finetune", "Trains a LoRA adapter on a text over a frozen model.", kFinetuneOptions));
    return 0;
  }
  if (!a.has("--data")) throw UsageError("give the text with --data FILE");
  if (!a.has("--out")) throw UsageError("give the adapter's folder with --out DIR");
  const std::string output = a.str("--output", "text");
  if (output != "text" && output != "json") throw UsageError("--output is 'text' or 'json', got '" + output + "'");
  const train::FinetuneOptions o = parse_options(a);
  const std::string text = read_text_file(a.str("--data"));
  const auto source = open_model(a.str("--model"));
  const std::vector<int32_t> tokens = Tokenizer::load(source->tokenizer())->encode(text, true);
  if (train::window_count(static_cast<int64_t>(tokens.size()), o.ctx) == 0)
    throw UsageError(a.str("--data") + ": " + std::to_string(tokens.size()) + " tokens; training needs at least --ctx + 1 = " +
                     std::to_string(o.ctx + 1));
  check_memory(a, *source, o);

  ThreadPool pool(static_cast<int>(a.integer("--threads", 0, 0, 1024)));
  std::vector<double> losses;
  double seconds = 0;
  int64_t trained_tokens = 0;
  const train::FinetuneResult trained = train::finetune(*source, tokens, o, pool, [&](const train::StepReport& r) {
    losses.push_back(r.loss);
    seconds += r.seconds;
    trained_tokens += r.tokens;
    report_step(r);
  });
  const auto& pairs = trained.pairs;
  std::vector<PeftPairOut> out;
  for (const auto& p : pairs) out.push_back({p.weight, p.rank, p.in, p.out, p.a, p.b});
  try {
    write_peft_adapter(a.str("--out"), {o.rank, o.alpha, false, a.str("--model")}, out, *source);
  } catch (const std::exception& e) {
    throw OutputError(e.what());
  }
  const size_t peak = rss_now_and_peak().second;
  if (output == "json") {
    write_stdout(nlohmann::json{{"adapter", a.str("--out")}, {"pairs", pairs.size()}, {"steps", losses.size()},
                                {"loss", losses}, {"seconds", seconds},
                                {"tokens_per_s", static_cast<double>(trained_tokens) / seconds},
                                {"peak_rss_bytes", peak}, {"planned_bytes", train::plan_finetune(source->config(), o).total()},
                                {"optimizer_bytes", trained.optimizer_bytes}}
                     .dump(2) + "\n");
  } else {
    write_stdout(formatted("wrote %s: %zu LoRA pairs of rank %lld; loss %.4f -> %.4f over %zu steps, %.0f tokens/s, "
                           "peak RSS %s\n",
                           a.str("--out").c_str(), pairs.size(), static_cast<long long>(o.rank), losses.front(),
                           losses.back(), losses.size(), static_cast<double>(trained_tokens) / seconds, mib(peak).c_str()));
  }
  finish_stdout();
  return 0;
}

}  // namespace reach::run::cli
