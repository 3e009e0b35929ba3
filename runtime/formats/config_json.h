#pragma once
// Hugging Face config.json -> ModelConfig. Architecture from "architectures"
// (LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM)
// or "model_type"; Qwen2 implies q/k/v biases, Qwen3 per-head q/k norms.
#include <filesystem>
#include <string>
#include <string_view>

#include "formats/model_config.h"

namespace reach::run {

// Throws FormatError naming the file, the key and what is wrong with it.
ModelConfig parse_config_json(std::string_view text, const std::string& file_name);
ModelConfig read_config_json(const std::filesystem::path& path);

// Checks the fields any loader filled: positive sizes, heads that divide,
// sane bounds. Shared by config.json and GGUF so both refuse the same things.
void validate_model_config(const ModelConfig& config, const std::string& file_name);

}  // namespace reach::run
