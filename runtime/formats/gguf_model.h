#pragma once
// What a GGUF file's metadata says about the model: general.architecture
// and the <arch>.* keys -> ModelConfig, tokenizer.ggml.* -> GgufVocab.
#include "formats/gguf.h"
#include "formats/model_config.h"
#include "tokenizer/tokenizer_data.h"

namespace reach::run {

// Throws FormatError naming the file and the key when a required key is
// missing or wrong, or the architecture is not llama / qwen2 / qwen3.
ModelConfig model_config_from_gguf(const GgufFile& file);
GgufVocab vocab_from_gguf(const GgufFile& file);

}  // namespace reach::run
