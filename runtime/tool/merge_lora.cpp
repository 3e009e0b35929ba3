// reach-run merge-lora -m MODEL --lora PATH[:SCALE]... -o OUT: the model
// written again with its adapters merged into the weights, in its own
// format and types (forge/lora_merge.h), as llama.cpp's llama-export-lora.
#include <filesystem>
#include <stdexcept>
#include <string>

#include "forge/lora_merge.h"
#include "kernels/thread_pool.h"
#include "tool/args.h"
#include "tool/commands.h"
#include "tool/lora_option.h"
#include "tool/output.h"

namespace reach::run::cli {

namespace {

const std::vector<OptionSpec> kMergeLoraOptions = {
    {"--model", "-m", "PATH", "the base model: an HF folder or a .gguf file"},
    kLoraOption,
    {"--out", "-o", "PATH", "where to write the merged model: a new folder for a folder, a new .gguf file for a GGUF"},
    {"--threads", "-t", "N", "threads re-quantizing quantized tensors (default: all cores)"},
};

}  // namespace

int merge_lora(int argc, char** argv) {
  const Args a(argc, argv, 2, kMergeLoraOptions);
  if (a.help()) {
    write_stdout(usage("merge-lora", "Merges LoRA adapters into a model's weights.", kMergeLoraOptions));
    return 0;
  }
  const std::vector<std::string> specs = a.all("--lora");
  if (specs.empty()) throw UsageError("give at least one adapter with --lora PATH[:SCALE]");
  const auto source = open_model(a.str("--model"));
  const std::vector<LoraAdapter> adapters = load_lora_specs(specs, *source);
  ThreadPool pool(static_cast<int>(a.integer("--threads", 0, 0, 1024)));
  const std::filesystem::path out = a.str("--out");
  try {
    write_merged(*source, adapters, out, pool);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  } catch (const std::runtime_error& e) {
    throw OutputError(e.what());
  }
  size_t updated = 0;
  for (const LoraAdapter& adapter : adapters) updated += adapter.deltas.size();
  write_stdout(formatted("merged %zu adapter(s), %zu matrix update(s), into %s\n", adapters.size(), updated,
                         out.string().c_str()));
  finish_stdout();
  return 0;
}

}  // namespace reach::run::cli
