// reach-run finetune: a new LoRA adapter trained on a text over a frozen
// model (train/finetune.h), written as a PEFT folder that --lora loads.
// Loss, tokens/s and memory each step; the run's memory planned against
// the budget before it starts.
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "formats/mib.h"
#include "lora/peft_writer.h"
#include "model/memory_account.h"
#include "tokenizer/tokenizer.h"
#include "tool/args.h"
#include "tool/commands.h"
#include "tool/head_options.h"
#include "tool/memory_plan.h"
#include "tool/output.h"
#include "tool/training_options.h"
#include "train/finetune.h"

namespace reach::run::cli {

namespace {

// The command's own options, then the training options it shares with forge.
std::vector<OptionSpec> finetune_options() {
  std::vector<OptionSpec> specs = {
      {"--model", "-m", "PATH", "the frozen base model: an HF folder or a .gguf file (any type)"},
      {"--data", "", "FILE", "the text to train on (UTF-8)"},
      {"--out", "-o", "DIR", "where to write the adapter (PEFT: adapter_config.json, adapter_model.safetensors)"},
      {"--steps", "", "N", "steps to run (default: from --epochs)"},
      {"--epochs", "", "E", "passes over the text's windows (default 1)"},
      {"--threads", "-t", "N", "threads (default: all cores)"},
      {"--max-memory", "", "SIZE", kTrainingMaxMemoryHelp},
      {"--output", "", "FORMAT", "'text' (default) or 'json' (the loss of every step, timings, memory)"},
  };
  for (OptionSpec& o : training_option_specs()) specs.push_back(std::move(o));
  return specs;
}

}  // namespace

int finetune(int argc, char** argv) {
  const std::vector<OptionSpec> specs = finetune_options();
  const Args a(argc, argv, 2, specs);
  if (a.help()) {
    write_stdout(usage("finetune", "Trains a LoRA adapter on a text over a frozen model.", specs));
    return 0;
  }
  if (!a.has("--data")) throw UsageError("give the text with --data FILE");
  if (!a.has("--out")) throw UsageError("give the adapter's folder with --out DIR");
  const std::string output = a.str("--output", "text");
  if (output != "text" && output != "json") throw UsageError("--output is 'text' or 'json', got '" + output + "'");
  train::FinetuneOptions o = parse_training_options(a);
  o.steps = a.integer("--steps", 0, 0, int64_t{1} << 40);
  o.epochs = a.number("--epochs", 1, 1e-9, 1e6);
  if (a.has("--steps") && a.has("--epochs")) throw UsageError("give --steps or --epochs, not both");
  const std::string text = read_text_file(a.str("--data"));
  const auto source = open_model(a.str("--model"));
  const std::vector<int32_t> tokens = Tokenizer::load(source->tokenizer())->encode(text, true);
  if (train::window_count(static_cast<int64_t>(tokens.size()), o.ctx) == 0)
    throw UsageError(a.str("--data") + ": " + std::to_string(tokens.size()) + " tokens; training needs at least --ctx + 1 = " +
                     std::to_string(o.ctx + 1));
  ThreadPool pool(static_cast<int>(a.integer("--threads", 0, 0, 1024)));
  check_training_memory(a, *source, o, pool.size());

  std::vector<double> losses;
  double seconds = 0;
  int64_t trained_tokens = 0;
  const train::FinetuneResult trained = train::finetune(*source, tokens, o, pool, [&](const train::StepReport& r) {
    losses.push_back(r.loss);
    seconds += r.seconds;
    trained_tokens += r.tokens;
    report_training_step(r);
  });
  const auto& pairs = trained.pairs;
  std::vector<PeftPairOut> out;
  for (const auto& p : pairs) out.push_back({p.weight, p.rank, p.in, p.out, p.a, p.b});
  try {
    write_peft_adapter(a.str("--out"), {o.rank, o.alpha, false, a.str("--model")}, out, *source);
  } catch (const std::exception& e) {
    throw OutputError(e.what());
  }
  const size_t peak = resident_memory().peak;
  if (output == "json") {
    write_stdout(nlohmann::json{{"adapter", a.str("--out")}, {"pairs", pairs.size()}, {"steps", losses.size()},
                                {"windows", train::window_count(static_cast<int64_t>(tokens.size()), o.ctx)},
                                {"loss", losses}, {"seconds", seconds},
                                {"tokens_per_s", static_cast<double>(trained_tokens) / seconds},
                                {"peak_rss_bytes", peak}, {"planned_bytes", train::plan_finetune(source->config(), o, pool.size()).total()},
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
