#include "chat/chat_template.h"

#include <utility>

#include "chat/jinja_builtins.h"
#include "chat/jinja_interpreter.h"
#include "chat/jinja_lexer.h"
#include "chat/jinja_parser.h"

namespace reach::run {
namespace {

using jinja::Node;
using jinja::NodeKind;
using jinja::NodePtr;
using jinja::TemplateError;

// Walks the whole tree once and refuses what the interpreter lacks, so the
// error comes at start-up rather than on the first request that reaches it.
struct SupportCheck {
  void all(const std::vector<NodePtr>& nodes) {
    for (const NodePtr& n : nodes) one(n.get());
  }

  void one(const Node* n) {
    if (!n) return;
    if (n->kind == NodeKind::Filter) filter(*n->b);
    if (n->kind == NodeKind::FilterBlock) filter(*n->a);
    if (n->kind == NodeKind::Test && !jinja::is_test(n->name))
      throw TemplateError("the test '" + n->name + "' is not supported", n->at);
    if (n->kind == NodeKind::Call && n->a->kind == NodeKind::Member && !n->a->computed &&
        n->a->b->kind == NodeKind::Name && !jinja::is_method(n->a->b->name))
      throw TemplateError("the method '" + n->a->b->name + "()' is not supported", n->a->b->at);
    for (const Node* child : {n->a.get(), n->b.get(), n->c.get()}) one(child);
    all(n->args);
    all(n->body);
    all(n->orelse);
  }

  void filter(const Node& f) {
    const std::string& name = f.kind == NodeKind::Call ? f.a->name : f.name;
    if (!jinja::is_filter(name)) throw TemplateError("the filter '" + name + "' is not supported", f.at);
  }
};

jinja::Value variables_from(const ChatInputs& in) {
  nlohmann::ordered_json vars = in.extra.is_object() ? in.extra : nlohmann::ordered_json::object();
  vars["messages"] = in.messages;
  if (!in.tools.is_null()) vars["tools"] = in.tools;
  vars["add_generation_prompt"] = in.add_generation_prompt;
  vars["bos_token"] = in.bos_token;
  vars["eos_token"] = in.eos_token;
  return jinja::from_json(vars);
}

}  // namespace

ChatTemplate::ChatTemplate(std::string source, std::string origin)
    : source_(std::move(source)), origin_(std::move(origin)) {
  try {
    program_ = std::make_unique<jinja::Program>(jinja::parse(jinja::tokenize(source_)));
    SupportCheck{}.all(program_->body);
  } catch (const TemplateError& e) {
    throw TemplateError(e.message(), e.where(), origin_);
  }
  // A conversation every chat model accepts must render.
  ChatInputs trial;
  trial.messages = nlohmann::ordered_json::array({{{"role", "user"}, {"content", "Hello"}},
                                          {{"role", "assistant"}, {"content", "Hi."}},
                                          {{"role", "user"}, {"content", "How are you?"}}});
  render(trial);
}

ChatTemplate::~ChatTemplate() = default;
ChatTemplate::ChatTemplate(ChatTemplate&&) noexcept = default;

std::string ChatTemplate::render(const ChatInputs& inputs) const {
  jinja::Scope globals;
  jinja::add_globals(globals);
  jinja::Value vars = variables_from(inputs);
  for (auto& [name, value] : vars.mapping().items) globals.set(name, value);
  try {
    return jinja::render(*program_, globals);
  } catch (const TemplateError& e) {
    throw TemplateError(e.message(), e.where(), origin_);
  }
}

}  // namespace reach::run
