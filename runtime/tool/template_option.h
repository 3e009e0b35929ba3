#pragma once
// --chat-template, as chat and serve take it: a built-in name or a file of
// Jinja text, else the model's own template.
#include <optional>
#include <string>

#include "chat/chat_template.h"
#include "tokenizer/tokenizer_data.h"
#include "tool/args.h"

namespace reach::run::cli {

std::string chat_template_help();  // the option's help line

// The template, checked: nullopt when neither the option nor the model
// gives one. A template the interpreter cannot run is a TemplateError
// naming the construct and --chat-template; a name that is neither built in
// nor a file is a UsageError.
std::optional<ChatTemplate> chat_template_option(const Args& a, const TokenizerSource& tokenizer);

}  // namespace reach::run::cli
