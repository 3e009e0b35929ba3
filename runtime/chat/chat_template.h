#pragma once
// A model's chat template: the Jinja text that turns a conversation into the
// prompt the model was trained on. It is parsed and checked when it is
// loaded, so that a template this interpreter cannot run is an error at
// start-up that names the construct (with --chat-template as the way out),
// never a silently wrong prompt.
//
//   ChatTemplate t(source, "tokenizer_config.json");
//   std::string prompt = t.render({.messages = msgs, .add_generation_prompt = true,
//                                  .bos_token = "<s>", .eos_token = "</s>"});
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "chat/jinja_ast.h"

namespace reach::run {

// ordered_json: objects keep the order the caller wrote them in.
struct ChatInputs {
  nlohmann::ordered_json messages = nlohmann::ordered_json::array();  // [{"role", "content", ...}]
  nlohmann::ordered_json tools;                                       // null, or the request's tools
  bool add_generation_prompt = true;
  std::string bos_token, eos_token;
  nlohmann::ordered_json extra = nlohmann::ordered_json::object();    // more variables (e.g. enable_thinking)
};

class ChatTemplate {
 public:
  // Throws jinja::TemplateError, its message starting with `origin` (a file
  // or a template name): a syntax error, or a filter, test, method or
  // statement the interpreter does not have, or a failure rendering a
  // plain user/assistant conversation.
  ChatTemplate(std::string source, std::string origin);
  ~ChatTemplate();
  ChatTemplate(ChatTemplate&&) noexcept;

  // Throws jinja::TemplateError (e.g. the template's own raise_exception
  // for a role it does not accept).
  std::string render(const ChatInputs& inputs) const;

 private:
  std::string source_, origin_;
  std::unique_ptr<jinja::Program> program_;
};

// The templates reach-run knows by name (--chat-template chatml): chatml,
// llama2, llama3, mistral, zephyr, phi3, gemma. nullopt for another name.
std::optional<std::string> builtin_chat_template(const std::string& name);
const char* builtin_chat_template_names();  // "chatml, llama2, ..." for help texts

}  // namespace reach::run
