#include "tool/template_option.h"

#include <filesystem>

#include "chat/jinja_error.h"
#include "chat/model_template.h"
#include "tool/head_options.h"

namespace reach::run::cli {

std::string chat_template_help() {
  return std::string("the template, instead of the model's: a built-in name (") + builtin_chat_template_names() +
         ") or a file of Jinja text";
}

std::optional<ChatTemplate> chat_template_option(const Args& a, const TokenizerSource& tokenizer) {
  std::string text, origin;
  if (a.has("--chat-template")) {
    const std::string name = a.str("--chat-template");
    if (auto builtin = builtin_chat_template(name)) {
      text = *builtin;
      origin = "built-in template '" + name + "'";
    } else if (std::filesystem::is_regular_file(name)) {
      text = read_text_file(name);
      origin = name;
    } else {
      throw UsageError("--chat-template '" + name + "' is neither a built-in template (" +
                       builtin_chat_template_names() + ") nor a file");
    }
  } else if (auto own = model_chat_template(tokenizer)) {
    text = own->text;
    origin = own->origin;
  } else {
    return std::nullopt;
  }
  try {
    return ChatTemplate(text, origin);
  } catch (const jinja::TemplateError& e) {
    throw jinja::TemplateError(e.message() + "; give another template with --chat-template NAME|FILE", e.where(),
                               origin);
  }
}

TemplateTokens template_tokens(const Tokenizer& tokenizer, const ModelConfig& config) {
  TemplateTokens t;
  if (const int32_t bos = tokenizer.bos_id(); bos >= 0) t.bos = tokenizer.token_bytes(bos);
  const std::vector<int32_t> tokenizer_eos = tokenizer.eos_ids();
  const int32_t eos = !config.eos_ids.empty() ? config.eos_ids.front() : tokenizer_eos.empty() ? -1 : tokenizer_eos.front();
  if (eos >= 0) t.eos = tokenizer.token_bytes(eos);
  return t;
}

std::vector<int32_t> encode_rendered(const Tokenizer& tokenizer, const std::string& text, const std::string& bos) {
  const bool has_bos = !bos.empty() && text.rfind(bos, 0) == 0;
  return tokenizer.encode(text, /*add_bos=*/!has_bos);
}

}  // namespace reach::run::cli
