#include "lora/lora_files.h"

#include <algorithm>
#include <set>

#include "formats/format_error.h"
#include "formats/gguf.h"
#include "formats/gguf_layout.h"
#include "formats/gguf_names.h"
#include "formats/safetensors.h"
#include "lora/lora_adapter.h"
#include "lora/peft_config.h"

namespace reach::run::lora_files {
namespace {

namespace fs = std::filesystem;

// The linear layers reach-run applies LoRA to, by PEFT's module name: the
// targets, and Phi-3's fused matrices (split when fitted).
const std::set<std::string> kModules = [] {
  std::set<std::string> m = {"qkv_proj", "gate_up_proj"};
  for (const LoraTarget& t : kLoraTargets) m.insert(t.module);
  return m;
}();

std::string supported_list() {
  std::string s;
  for (const std::string& m : kModules) s += (s.empty() ? "" : ", ") + m;
  return s;
}

// Files one tensor under its weight's pair, refusing anything else.
void add_to_pair(StoredAdapter& s, const TensorView& t, const std::string& weight, bool is_a) {
  if (!weight.starts_with("model.layers.") || !kModules.count(lora_module_of(weight)))
    throw FormatError(s.file, "tensor '" + t.name + "' updates '" + weight +
                                  "', which reach-run does not apply LoRA to (it applies it to the decoder layers' " +
                                  supported_list() + ")");
  const TensorView*& slot = is_a ? s.pairs[weight].a : s.pairs[weight].b;
  if (slot) throw FormatError(s.file, "tensor '" + t.name + "' appears twice");
  slot = &t;
}

void check_target_modules(const PeftConfig& c, const std::string& file) {
  for (const std::string& m : c.target_modules)
    if (!kModules.count(m))
      throw FormatError(file, "target module '" + m + "' is not one reach-run applies LoRA to (supported: " +
                                  supported_list() + ")");
}

}  // namespace

StoredAdapter read_peft(const fs::path& folder) {
  const fs::path config_path = folder / "adapter_config.json";
  const fs::path weights_path = folder / "adapter_model.safetensors";
  std::error_code ec;
  if (!fs::is_regular_file(config_path, ec))
    throw FormatError(folder.string(), "not a PEFT adapter: adapter_config.json is missing");
  if (!fs::is_regular_file(weights_path, ec))
    throw FormatError(folder.string(), fs::exists(folder / "adapter_model.bin", ec)
                                           ? "only adapter_model.safetensors is read; this adapter has the pickle "
                                             "form adapter_model.bin (save it with safe_serialization=True)"
                                           : "not a PEFT adapter: adapter_model.safetensors is missing");
  const MappedFile config_file(config_path);  // as config.json is read
  const auto text = config_file.bytes();
  const PeftConfig config = parse_peft_config(std::string_view(reinterpret_cast<const char*>(text.data()), text.size()),
                                              config_path.string());
  check_target_modules(config, config_path.string());
  StoredAdapter s;
  s.file = weights_path.string();
  s.mapping = std::make_unique<MappedFile>(weights_path);
  s.tensors = parse_safetensors(s.mapping->bytes(), s.file).tensors;
  s.scale = [config](int64_t rank) { return peft_scale(config, rank); };
  s.config_rank = config.rank_pattern ? 0 : config.r;
  const std::string prefix = "base_model.model.";
  for (const TensorView& t : s.tensors) {
    const bool is_a = t.name.ends_with(".lora_A.weight"), is_b = t.name.ends_with(".lora_B.weight");
    if (!t.name.starts_with(prefix) || (!is_a && !is_b))
      throw FormatError(s.file, "tensor '" + t.name + "' is not a LoRA pair's A or B of a linear layer (" + prefix +
                                    "<module>.lora_A.weight / .lora_B.weight)");
    const std::string module = t.name.substr(prefix.size(), t.name.size() - prefix.size() - 14);
    add_to_pair(s, t, module + ".weight", is_a);
  }
  return s;
}

StoredAdapter read_gguf_lora(const fs::path& file) {
  StoredAdapter s;
  s.file = file.string();
  s.mapping = std::make_unique<MappedFile>(file);
  const GgufFile gguf = parse_gguf(s.mapping->bytes(), s.file);
  if (gguf.get_string("general.type", "") != "adapter")
    throw FormatError(s.file, "general.type is '" + gguf.get_string("general.type", "") +
                                  "', not 'adapter': this is a model, not a LoRA adapter");
  if (const std::string type = gguf.get_string("adapter.type", ""); type != "lora")
    throw FormatError(s.file, "adapter.type is '" + type + "'; only 'lora' adapters are supported");
  s.gguf_arch = gguf.get_string("general.architecture");
  const double alpha = gguf.get_float("adapter.lora.alpha", 0.0);
  s.scale = [alpha](int64_t rank) { return alpha != 0.0 ? alpha / static_cast<double>(rank) : 1.0; };
  s.tensors = gguf.tensors;
  for (const TensorView& t : s.tensors) {
    const bool is_a = t.name.ends_with(".lora_a"), is_b = t.name.ends_with(".lora_b");
    if (!is_a && !is_b)
      throw FormatError(s.file, "tensor '" + t.name + "' is not a LoRA pair's .lora_a or .lora_b");
    const std::string weight = canonical_name(t.name.substr(0, t.name.size() - 7), s.gguf_arch);
    if (weight.empty())
      throw FormatError(s.file, "tensor '" + t.name + "' updates no weight reach-run knows");
    add_to_pair(s, t, weight, is_a);
  }
  return s;
}

}  // namespace reach::run::lora_files
