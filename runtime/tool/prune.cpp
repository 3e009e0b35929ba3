// reach-run prune: writes the model with chosen attention heads zeroed
// (forge/prune.h), named by --heads or chosen as the lowest-scoring
// --fraction of heads.
#include <stdexcept>
#include <string>

#include "formats/format_error.h"
#include "formats/model_source.h"
#include "forge/heads.h"
#include "forge/prune.h"
#include "tool/device_option.h"
#include "tool/args.h"
#include "tool/commands.h"
#include "tool/head_options.h"
#include "tool/output.h"

namespace reach::run::cli {

namespace {

const std::vector<OptionSpec> kPruneOptions = {
    {"--model", "-m", "PATH", "a folder or a .gguf file, as for generate"},
    {"--heads", "", "LIST", "the heads to prune, LAYER:HEAD,... (or --fraction)"},
    {"--fraction", "", "F", "prune this fraction of all heads, the lowest-scoring first"},
    {"--by", "", "SCORE", "with --fraction: 'weight_l2' (default) or 'activation' (needs --file)"},
    {"--file", "-f", "FILE", "the text the activation score is measured on"},
    {"--ctx-size", "-c", "N", "tokens per window when reading --file (default 512)"},
    {"--out", "-o", "PATH", "the new pruned model: a folder, or a .gguf (converted), for a folder; a .gguf for a .gguf"},
    {"--threads", "-t", "N", "threads (default: all cores)"},
    {"--max-memory", "", "SIZE", "with --by activation: the budget of that run (see generate)"},
    kDeviceOption,
};

HeadList chosen_heads(const Args& a, const ModelSource& source) {
  if (a.has("--heads") == a.has("--fraction")) throw UsageError("name the heads with --heads LIST or --fraction F (one)");
  if (a.has("--heads")) {
    try {
      return parse_head_list(a.str("--heads"));
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--heads: ") + e.what());
    }
  }
  const std::string by = a.str("--by", "weight_l2");
  if (by != "weight_l2" && by != "activation") throw UsageError("--by is 'weight_l2' or 'activation', got '" + by + "'");
  auto scores = head_weight_scores(source);
  if (by == "activation") {
    if (!a.has("--file")) throw UsageError("--by activation needs the text: --file FILE");
    add_file_activation_scores(a, source, scores);
  }
  return lowest_heads(scores, a.number("--fraction", 0.0, 0.0, 1.0), by == "activation");
}

}  // namespace

int prune(int argc, char** argv) {
  const Args a(argc, argv, 2, kPruneOptions);
  if (a.help()) {
    write_stdout(usage("prune", "Writes the model with attention heads pruned (their weights zeroed).", kPruneOptions));
    return 0;
  }
  if (!a.has("--out")) throw UsageError("give the pruned model's path with --out PATH");
  const auto source = open_model(a.str("--model"));
  const HeadList heads = chosen_heads(a, *source);
  try {
    write_pruned(*source, heads, a.str("--out"));
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  } catch (const FormatError&) {
    throw;  // the input's fault (a tokenizer that cannot be written to GGUF), named by main
  } catch (const std::runtime_error& e) {
    throw OutputError(e.what());
  }
  std::string list;
  for (const auto& [layer, head] : heads) list += (list.empty() ? "" : ",") + std::to_string(layer) + ":" + std::to_string(head);
  write_stdout("pruned " + std::to_string(heads.size()) + " head(s): " + list + "\nwrote " + a.str("--out") + "\n");
  finish_stdout();
  return 0;
}

}  // namespace reach::run::cli
