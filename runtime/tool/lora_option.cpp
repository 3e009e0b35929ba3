#include "tool/lora_option.h"

#include <stdexcept>

namespace reach::run::cli {

std::vector<LoraAdapter> load_lora_specs(const std::vector<std::string>& specs, const ModelSource& source) {
  std::vector<LoraAdapter> adapters;
  for (const std::string& spec : specs) {
    std::pair<std::filesystem::path, float> parsed;
    try {
      parsed = parse_lora_option(spec);
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
    adapters.push_back(load_lora(parsed.first, parsed.second, source));
  }
  return adapters;
}

void add_lora(Model& model, LoraAdapter adapter) {
  try {
    model.add_lora(std::move(adapter));
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--lora ") + e.what());
  }
}

}  // namespace reach::run::cli
