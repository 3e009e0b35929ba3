// reach-run forge: the whole forging loop (forge/forge_pipeline.h):
// baseline perplexity, then per cycle head importance → prune → LoRA
// training → merge → evaluation → save → samples; the table on stdout,
// report.json and report.svg in OUT.
#include <cstdio>
#include <fstream>
#include <string>

#include "forge/forge_pipeline.h"
#include "forge/forge_report.h"
#include "formats/model_source.h"
#include "tool/args.h"
#include "tool/commands.h"
#include "tool/head_options.h"
#include "tool/memory_plan.h"
#include "tool/output.h"
#include "tool/training_options.h"

namespace reach::run::cli {

namespace {

std::vector<OptionSpec> forge_options() {
  std::vector<OptionSpec> specs = {
      {"--model", "-m", "PATH", "the model to forge: an HF folder (cycles saved as safetensors folders) or a .gguf"},
      {"--data", "", "FILE", "the text to train on and to score heads with (UTF-8)"},
      {"--eval", "", "FILE", "the text whose perplexity each cycle reports (UTF-8)"},
      {"--out", "-o", "DIR", "a new folder for the cycles' models and adapters, report.json and report.svg"},
      {"--cycles", "", "K", "prune-and-train cycles (default 1)"},
      {"--prune-fraction", "", "F", "the share of all heads pruned in each cycle (default 0.1)"},
      {"--importance", "", "KIND", "activation (on --data, default) or weight (L2 of each head's q and o slices)"},
      {"--lora-steps", "", "N", "training steps per cycle (default 100)"},
      {"--eval-ctx", "", "N", "perplexity windows, and head scoring windows (default 256)"},
      {"--prompt", "", "TEXT", "greedy samples after each cycle start here (default: 'Once upon a time')"},
      {"--sample-tokens", "", "N", "tokens per sample (default 32)"},
      {"--threads", "-t", "N", "threads (default: all cores)"},
      {"--max-memory", "", "SIZE", kTrainingMaxMemoryHelp},
  };
  for (OptionSpec& o : training_option_specs()) specs.push_back(std::move(o));
  return specs;
}

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  if (!(out << text) || !out.flush()) throw OutputError(path.string() + ": write failed (disk full?)");
}

}  // namespace

int forge(int argc, char** argv) {
  const std::vector<OptionSpec> specs = forge_options();
  const Args a(argc, argv, 2, specs);
  if (a.help()) {
    write_stdout(usage("forge", "Prunes heads and trains LoRA adapters in cycles, evaluating each.", specs));
    return 0;
  }
  for (const char* required : {"--data", "--eval", "--out"})
    if (!a.has(required)) throw UsageError(std::string("forge needs ") + required);
  ForgeOptions o;
  o.lora = parse_training_options(a);
  o.lora.steps = a.integer("--lora-steps", 100, 1, int64_t{1} << 40);
  o.cycles = a.integer("--cycles", 1, 1, 1000);
  o.prune_fraction = a.number("--prune-fraction", 0.1, 0, 1);
  const std::string importance = a.str("--importance", "activation");
  if (importance != "activation" && importance != "weight")
    throw UsageError("--importance is activation or weight, got '" + importance + "'");
  o.by_activation = importance == "activation";
  o.eval_ctx = a.integer("--eval-ctx", 256, 2, 1 << 20);
  o.prompt = a.str("--prompt", "Once upon a time");
  o.sample_tokens = a.integer("--sample-tokens", 32, 1, 1 << 20);
  const std::string data = read_text_file(a.str("--data")), eval = read_text_file(a.str("--eval"));
  ThreadPool pool(static_cast<int>(a.integer("--threads", 0, 0, 1024)));
  check_training_memory(a, *open_model(a.str("--model")), o.lora, pool.size());

  const std::filesystem::path out = a.str("--out");
  ForgeProgress progress{[](const std::string& s) { std::fprintf(stderr, "forge: %s\n", s.c_str()); },
                         report_training_step};
  ForgeReport report;
  try {
    report = run_forge(a.str("--model"), data, eval, o, out, pool, progress);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  // Samples may end inside a character: invalid bytes become U+FFFD in the JSON.
  write_file(out / "report.json", forge_json(report).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  write_file(out / "report.svg", forge_svg(report));
  std::string samples = "baseline: " + report.baseline_sample + "\n";
  for (const ForgeCycle& c : report.cycles) samples += "cycle " + std::to_string(c.cycle) + ": " + c.sample + "\n";
  write_stdout(forge_table(report) + "samples (greedy, from '" + o.prompt + "'):\n" + samples + "wrote " +
               (out / "report.json").string() + " and " + (out / "report.svg").string() + "\n");
  finish_stdout();
  return 0;
}

}  // namespace reach::run::cli
