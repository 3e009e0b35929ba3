#include "chat/model_template.h"

#include <filesystem>

#include "tokenizer/gguf_vocab_from_json.h"

namespace reach::run {
namespace {

// The default of the folder's templates (tokenizer_config.json's
// chat_template, or chat_template.jinja beside it).
std::optional<ModelTemplate> from_folder(const TokenizerJsonFile& files) {
  for (const NamedChatTemplate& t : chat_templates(files))
    if (t.name.empty()) {
      const bool in_config = std::filesystem::exists(files.tokenizer_config);
      return ModelTemplate{t.text, in_config ? files.tokenizer_config.string()
                                             : (files.tokenizer_config.parent_path() / "chat_template.jinja").string()};
    }
  return std::nullopt;
}

}  // namespace

std::optional<ModelTemplate> model_chat_template(const TokenizerSource& source) {
  if (const auto* vocab = std::get_if<GgufVocab>(&source)) {
    if (vocab->chat_template.empty()) return std::nullopt;
    return ModelTemplate{vocab->chat_template, vocab->file + " (tokenizer.chat_template)"};
  }
  return from_folder(std::get<TokenizerJsonFile>(source));
}

}  // namespace reach::run
