// reach-run perplexity: llama-perplexity's measurement (forge/perplexity.h)
// of a model on a text file, with the running perplexity per window, and at
// the end perplexity ± standard error, mean NLL, tokens and speed.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "formats/model_source.h"
#include "forge/perplexity.h"
#include "model/memory_account.h"
#include "model/model.h"
#include "tokenizer/tokenizer.h"
#include "tool/device_option.h"
#include "tool/args.h"
#include "tool/commands.h"
#include "tool/head_options.h"
#include "tool/lora_option.h"
#include "tool/memory_plan.h"
#include "tool/output.h"

namespace reach::run::cli {

namespace {

// llama-perplexity's names and short flags.
const std::vector<OptionSpec> kPerplexityOptions = {
    {"--model", "-m", "PATH", "a folder or a .gguf file, as for generate"},
    {"--file", "-f", "FILE", "the text to score (UTF-8); required"},
    {"--ctx-size", "-c", "N", "tokens per window (default 512)"},
    {"--stride", "", "N", "windows every N tokens, each scored on its last N (default: llama.cpp's method, "
                          "non-overlapping windows scored on their second half)"},
    {"--batch-size", "-b", "N", "tokens per forward pass (default 512)"},
    {"--threads", "-t", "N", "threads (default: all cores)"},
    {"--output", "", "FORMAT", "'text' (default) or 'json'"},
    {"--mask-heads", "", "LIST", kMaskHeadsHelp},
    {"--max-memory", "", "SIZE", kMaxMemoryHelp},
    kLoraOption,
    kDeviceOption,
};

// A progress bar on a terminal, otherwise one line per window.
void report_window(const WindowScore& w, int64_t windows) {
  if (isatty(STDERR_FILENO)) {
    const int done = static_cast<int>(40 * (w.index + 1) / windows);
    std::fprintf(stderr, "\r[%-40s] %lld/%lld windows, perplexity %.4f", std::string(done, '#').c_str(),
                 static_cast<long long>(w.index + 1), static_cast<long long>(windows), w.running_ppl);
    if (w.index + 1 == windows) std::fputc('\n', stderr);
  } else {
    std::fprintf(stderr, "[%lld] %.4f\n", static_cast<long long>(w.index + 1), w.running_ppl);
  }
}

std::string to_json(const PerplexityResult& r, double seconds) {
  nlohmann::json windows = nlohmann::json::array();
  for (const WindowScore& w : r.windows)
    windows.push_back({{"window", w.index}, {"start", w.start}, {"scored", w.scored}, {"nll", w.nll},
                       {"running_perplexity", w.running_ppl}});
  const nlohmann::json j = {{"perplexity", r.perplexity},
                            {"stderr", r.standard_error},
                            {"nll", r.mean_nll},
                            {"tokens", r.tokens_scored},
                            {"windows", windows},
                            {"timings", {{"seconds", seconds},
                                         {"tokens_evaluated", r.tokens_evaluated},
                                         {"tokens_per_s", static_cast<double>(r.tokens_evaluated) / seconds}}},
                            {"memory", {{"counted_bytes", MemoryAccount::process().used()},
                                        {"counted_peak_bytes", MemoryAccount::process().peak()}}}};
  return j.dump(2) + "\n";
}

}  // namespace

int perplexity(int argc, char** argv) {
  const Args a(argc, argv, 2, kPerplexityOptions);
  if (a.help()) {
    write_stdout(usage("perplexity", "Scores a model on a text, as llama-perplexity does.", kPerplexityOptions));
    return 0;
  }
  const std::string model_path = a.str("--model");
  if (!a.has("--file")) throw UsageError("give the text with --file FILE");
  const std::string output = a.str("--output", "text");
  if (output != "text" && output != "json") throw UsageError("--output is 'text' or 'json', got '" + output + "'");
  PerplexityOptions o;
  o.ctx = a.integer("--ctx-size", 512, 2, int64_t{1} << 24);
  o.stride = a.integer("--stride", 0, 0, int64_t{1} << 24);
  o.batch = std::min<int64_t>(o.ctx, a.integer("--batch-size", 512, 1, int64_t{1} << 24));
  const std::string text = read_text_file(a.str("--file"));

  const auto source = open_model(model_path);
  const auto tokenizer = Tokenizer::load(source->tokenizer());
  const std::vector<int32_t> tokens = tokenizer->encode(text, true);
  o.bos_id = !tokens.empty() && tokens.front() == tokenizer->bos_id() ? tokenizer->bos_id() : -1;
  apply_memory_budget(a, *source, plan_memory(*source, o.ctx, o.batch, o.batch));

  ThreadPool pool(static_cast<int>(a.integer("--threads", 0, 0, 1024)));
  std::vector<LoraAdapter> adapters = load_lora_specs(a.all("--lora"), *source);
  Model model(*source, pool, device_option(a));
  for (LoraAdapter& adapter : adapters) add_lora(model, std::move(adapter));
  apply_head_mask(a, model);
  const auto t0 = std::chrono::steady_clock::now();
  PerplexityResult r;
  try {
    r = reach::run::perplexity(model, tokens, o, report_window);
  } catch (const std::invalid_argument& e) {
    throw UsageError(a.str("--file") + ": " + e.what());
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (output == "json") {
    write_stdout(to_json(r, seconds));
  } else {
    write_stdout(formatted("perplexity: %.4f ± %.5f\nmean NLL: %.6f\ntokens scored: %lld in %zu windows\n"
                           "speed: %.2f tokens/s (%lld tokens evaluated in %.2f s)\n"
                           "memory: %.1f MiB counted at peak (KV cache, activations, logits%s)\n",
                           r.perplexity, r.standard_error, r.mean_nll, static_cast<long long>(r.tokens_scored),
                           r.windows.size(), static_cast<double>(r.tokens_evaluated) / seconds,
                           static_cast<long long>(r.tokens_evaluated), seconds,
                           static_cast<double>(MemoryAccount::process().peak()) / (1 << 20),
                           a.has("--max-memory") ? ", weights" : ""));
  }
  finish_stdout();
  return 0;
}

}  // namespace reach::run::cli
