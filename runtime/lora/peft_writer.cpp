#include "lora/peft_writer.h"

#include <cstring>
#include <fstream>
#include <set>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "formats/gguf_layout.h"
#include "formats/safetensors_writer.h"
#include "lora/lora_adapter.h"

namespace reach::run {
namespace {

std::vector<std::byte> bytes_of(std::span<const float> v) {
  std::vector<std::byte> out(v.size_bytes());
  std::memcpy(out.data(), v.data(), out.size());
  return out;
}

}  // namespace

void write_peft_adapter(const std::filesystem::path& folder, const PeftConfigOut& config,
                        const std::vector<PeftPairOut>& pairs, const ModelSource& model) {
  std::filesystem::create_directories(folder);
  std::vector<SafetensorsEntry> entries;
  std::set<std::string> modules;
  const bool permuted = model.rope_style() == RopeStyle::AdjacentPairs;
  for (const PeftPairOut& p : pairs) {
    const std::string stem = "base_model.model." + p.weight.substr(0, p.weight.size() - 7);
    std::vector<std::byte> b = bytes_of(p.b);
    if (const int64_t heads = permuted ? permuted_heads(model.config(), p.weight) : 0) {
      std::vector<std::byte> hf(b.size());
      unpermute_qk_rows(b, hf, heads, model.config().head_dim, static_cast<size_t>(p.rank) * sizeof(float));
      b = std::move(hf);
    }
    entries.push_back({stem + ".lora_A.weight", "F32", {p.rank, p.in}, bytes_of(p.a)});
    entries.push_back({stem + ".lora_B.weight", "F32", {p.out, p.rank}, std::move(b)});
    modules.insert(lora_module_of(p.weight));
  }
  const nlohmann::ordered_json j = {{"peft_type", "LORA"},
                                    {"task_type", "CAUSAL_LM"},
                                    {"base_model_name_or_path", config.base_model},
                                    {"r", config.r},
                                    {"lora_alpha", config.lora_alpha},
                                    {"use_rslora", config.use_rslora},
                                    {"target_modules", std::vector<std::string>(modules.begin(), modules.end())},
                                    {"lora_dropout", 0.0},
                                    {"bias", "none"},
                                    {"fan_in_fan_out", false},
                                    {"modules_to_save", nullptr},
                                    {"inference_mode", true}};
  std::ofstream config_file(folder / "adapter_config.json", std::ios::trunc);
  if (!(config_file << j.dump(2) << "\n") || !config_file.flush())
    throw std::runtime_error((folder / "adapter_config.json").string() + ": write failed (disk full?)");
  write_safetensors(folder / "adapter_model.safetensors", entries);
}

}  // namespace reach::run
