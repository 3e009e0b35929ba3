#pragma once
// Where a model keeps its chat template: GGUF metadata
// `tokenizer.chat_template`, or the default one of an HF folder
// (tokenizer_config.json's `chat_template`, a string or a list of named
// templates, or chat_template.jinja), as llama.cpp's converter reads them.
#include <optional>
#include <string>

#include "tokenizer/tokenizer_data.h"

namespace reach::run {

struct ModelTemplate {
  std::string text;
  std::string origin;  // the file it came from, for messages
};

// nullopt when the model has none. Throws FormatError naming the file when
// tokenizer_config.json is malformed or its chat_template has the wrong type.
std::optional<ModelTemplate> model_chat_template(const TokenizerSource& source);

}  // namespace reach::run
