#pragma once
// adapter_config.json, the half of a PEFT LoRA adapter that says how to
// apply the other half (adapter_model.safetensors). Only what changes the
// arithmetic is kept; a field that would change it in a way reach-run does
// not implement (DoRA, trained biases, fan-in/fan-out storage, extra trained
// modules, per-module alphas, layer replication) is refused by name, never
// ignored: applying such an adapter without it would give wrong outputs.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace reach::run {

struct PeftConfig {
  int64_t r = 0;            // the rank the scale divides by (a tensor's own rank decides its shape)
  double lora_alpha = 0;    // W' = W + (lora_alpha / r) · B·A
  bool use_rslora = false;  // ... / sqrt(r) instead of / r (rank-stabilized LoRA)
  bool rank_pattern = false;  // some modules have another rank than r (their scale uses it)
  // The module names it targets ("q_proj", ...), or empty when the config
  // gives a regular expression: the tensors present decide then.
  std::vector<std::string> target_modules;
};

// Throws FormatError naming `file_name`, the key and the problem: bad JSON,
// peft_type other than LORA, r not a positive integer, lora_alpha not a
// number, or an unsupported field set (use_dora, fan_in_fan_out, bias other
// than "none", modules_to_save, alpha_pattern, layer_replication).
PeftConfig parse_peft_config(std::string_view text, const std::string& file_name);

// The scale of a pair of rank `rank` under this config: lora_alpha / rank,
// or lora_alpha / sqrt(rank) with use_rslora (PEFT's LoraLayer.update_layer;
// a rank_pattern entry changes a module's rank, and its scale with it).
double peft_scale(const PeftConfig& c, int64_t rank);

}  // namespace reach::run
