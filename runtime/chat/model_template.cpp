#include "chat/model_template.h"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "formats/format_error.h"

namespace reach::run {
namespace {

std::optional<ModelTemplate> from_tokenizer_config(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;  // no tokenizer_config.json: no template
  std::ostringstream text;
  text << in.rdbuf();
  const nlohmann::json config = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (config.is_discarded() || !config.is_object()) throw FormatError(path.string(), "not a JSON object");
  if (!config.contains("chat_template") || config["chat_template"].is_null()) return std::nullopt;
  const nlohmann::json& t = config["chat_template"];
  if (t.is_string()) return ModelTemplate{t.get<std::string>(), path.string()};
  if (t.is_array())
    for (const nlohmann::json& named : t)
      if (named.is_object() && named.value("name", "") == "default" && named.contains("template") &&
          named["template"].is_string())
        return ModelTemplate{named["template"].get<std::string>(), path.string()};
  throw FormatError(path.string(), "chat_template is neither a string nor a list with a \"default\" template");
}

}  // namespace

std::optional<ModelTemplate> model_chat_template(const TokenizerSource& source) {
  if (const auto* vocab = std::get_if<GgufVocab>(&source)) {
    if (vocab->chat_template.empty()) return std::nullopt;
    return ModelTemplate{vocab->chat_template, vocab->file + " (tokenizer.chat_template)"};
  }
  return from_tokenizer_config(std::get<TokenizerJsonFile>(source).tokenizer_config);
}

}  // namespace reach::run
