#pragma once
// --chat-template, as chat and serve take it: a built-in name or a file of
// Jinja text, else the model's own template.
#include <optional>
#include <string>

#include "chat/chat_template.h"
#include "formats/model_config.h"
#include "tokenizer/tokenizer.h"
#include "tool/args.h"

namespace reach::run::cli {

std::string chat_template_help();  // the option's help line

// The template, checked: nullopt when neither the option nor the model
// gives one. A template the interpreter cannot run is a TemplateError
// naming the construct and --chat-template; a name that is neither built in
// nor a file is a UsageError.
std::optional<ChatTemplate> chat_template_option(const Args& a, const TokenizerSource& tokenizer);

// The text of the BOS and EOS tokens a template is given (`bos_token`,
// `eos_token`): the model's first EOS id, else the tokenizer's.
struct TemplateTokens {
  std::string bos, eos;
};
TemplateTokens template_tokens(const Tokenizer& tokenizer, const ModelConfig& config);

// A rendered conversation as tokens: special tokens written in the text are
// matched, and BOS is added (when the tokenizer adds one) only if the text
// does not already start with it.
std::vector<int32_t> encode_rendered(const Tokenizer& tokenizer, const std::string& text, const std::string& bos);

}  // namespace reach::run::cli
