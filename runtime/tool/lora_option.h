#pragma once
// --lora PATH[:SCALE] (repeatable), which generate, chat, serve and
// perplexity take, as llama.cpp's --lora / --lora-scaled: adapters read
// and fitted to the model, applied unmerged (lora/lora_adapter.h).
#include <string>
#include <vector>

#include "formats/model_source.h"
#include "lora/lora_adapter.h"
#include "model/model.h"
#include "tool/args.h"

namespace reach::run::cli {

inline const OptionSpec kLoraOption = {
    "--lora", "", "PATH[:SCALE]",
    "a LoRA adapter (PEFT folder or llama.cpp GGUF) applied at run time, its update times SCALE (default 1); "
    "repeatable"};

// Each spec's adapter: a malformed spec is a UsageError naming it; a bad
// adapter the FormatError naming its file.
std::vector<LoraAdapter> load_lora_specs(const std::vector<std::string>& specs, const ModelSource& source);

// model.add_lora, its refusal (a model on a GPU) a UsageError.
void add_lora(Model& model, LoraAdapter adapter);

}  // namespace reach::run::cli
