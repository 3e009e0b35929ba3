// reach-run chat: an interactive conversation in the model's chat template.
// Each line on standard input is a user turn (a trailing backslash
// continues it on the next line; /reset starts over, /exit or end of input
// ends); the reply streams to stdout. The conversation is re-rendered by
// the template each turn, and only the tokens past what the KV cache
// already holds are computed.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "chat/chat_template.h"
#include "chat/jinja_error.h"
#include "tool/args.h"
#include "tool/commands.h"
#include "tool/generation.h"
#include "tool/output.h"
#include "tool/template_option.h"

namespace reach::run::cli {
namespace {

std::vector<OptionSpec> chat_options() {
  std::vector<OptionSpec> specs = generation_option_specs(
      "tokens per reply at most; -1 until the end of the turn or the context is full (default -1)");
  specs.insert(specs.begin() + 1,
               {{"--system", "-sys", "TEXT", "the system prompt (default: none)"},
                {"--chat-template", "", "NAME|FILE", chat_template_help()}});
  return specs;
}

const char* kChatSummary =
    "Chats with the model in its chat template: each line on stdin is your turn (end a line with \\ to "
    "continue it; /reset starts over; /exit or end of input ends); the reply streams to stdout.";

// One user turn from stdin: nullopt at the end of input.
std::optional<std::string> read_turn(bool interactive) {
  std::string turn, line;
  if (interactive) std::fputs("> ", stderr);
  while (std::getline(std::cin, line)) {
    if (!line.empty() && line.back() == '\\') {
      turn += line.substr(0, line.size() - 1) + "\n";
      continue;
    }
    return turn + line;
  }
  if (!turn.empty()) return turn;
  return std::nullopt;
}

class Conversation {
 public:
  Conversation(Session& s, const GenerationOptions& opt, ChatTemplate tmpl, std::string system)
      : s_(s), opt_(opt), template_(std::move(tmpl)), system_(std::move(system)),
        special_(template_tokens(*s.tokenizer, s.source->config())), sampler_(opt.sampling) {
    reset();
  }

  void reset() {
    messages_ = nlohmann::ordered_json::array();
    if (!system_.empty()) messages_.push_back({{"role", "system"}, {"content", system_}});
  }

  // The prompt of the conversation so far, ending with the assistant's cue.
  std::vector<int32_t> prompt() const {
    ChatInputs in;
    in.messages = messages_;
    in.add_generation_prompt = true;
    in.bos_token = special_.bos;
    in.eos_token = special_.eos;
    return encode_rendered(*s_.tokenizer, template_.render(in), special_.bos);
  }

  // Replies to `user`; false when the conversation no longer fits.
  bool turn(const std::string& user, KVCache& cache) {
    messages_.push_back({{"role", "user"}, {"content", user}});
    std::vector<int32_t> tokens;
    try {
      tokens = prompt();
    } catch (const jinja::TemplateError& e) {  // e.g. the template refuses a role order
      std::fprintf(stderr, "reach-run: %s\n", e.what());
      messages_.erase(messages_.end() - 1);
      return true;
    }
    if (static_cast<int64_t>(tokens.size()) >= cache.capacity()) {
      std::fprintf(stderr, "reach-run: the conversation is %zu tokens and the context holds %lld; "
                   "/reset, or start again with a larger --ctx-size\n", tokens.size(), static_cast<long long>(cache.capacity()));
      messages_.erase(messages_.end() - 1);
      return false;
    }
    // Reuse what the cache holds of this prompt; at least one token is fed.
    const size_t keep = reusable_prefix(cached_, tokens);
    cache.truncate(static_cast<int64_t>(keep));
    cached_.resize(keep);
    TextStream stream(opt_.stops);
    reset_interrupt();
    const Generation g = continue_generation(s_, opt_, cache, std::span(tokens).subspan(keep), cached_, sampler_,
                                             stream, [](const std::string& text) { write_stdout(text); });
    write_stdout(stream.finish() + "\n");
    cached_.resize(static_cast<size_t>(cache.length()));  // the last sampled token was never fed
    messages_.push_back({{"role", "assistant"}, {"content", stream.text()}});
    prompt_tokens_ += static_cast<double>(tokens.size() - keep);
    prefill_s_ += g.prefill_s;
    generated_ += static_cast<double>(g.decode_steps);
    decode_s_ += g.decode_s;
    if (g.stop == Stop::Context) std::fprintf(stderr, "reach-run: the reply filled the context\n");
    return true;
  }

  void say_speeds() const {
    std::fprintf(stderr, "reach-run: computed %.0f prompt tokens at %.2f t/s, generated %.0f tokens at %.2f t/s\n",
                 prompt_tokens_, per_second(prompt_tokens_, prefill_s_), generated_, per_second(generated_, decode_s_));
  }

 private:
  Session& s_;
  const GenerationOptions& opt_;
  ChatTemplate template_;
  std::string system_;
  TemplateTokens special_;
  Sampler sampler_;
  nlohmann::ordered_json messages_;
  std::vector<int32_t> cached_;  // the tokens the KV cache holds
  double prompt_tokens_ = 0, prefill_s_ = 0, generated_ = 0, decode_s_ = 0;
};

}  // namespace

int chat(int argc, char** argv) {
  const std::vector<OptionSpec> specs = chat_options();
  const Args args(argc, argv, 2, specs);
  if (args.help()) {
    write_stdout(usage("chat", kChatSummary, specs));
    return 0;
  }
  const GenerationOptions opt = parse_generation_options(args, -1);
  Session s(opt);
  std::optional<ChatTemplate> tmpl = chat_template_option(args, s.source->tokenizer());
  if (!tmpl)
    throw UsageError(std::string("the model has no chat template; give one with --chat-template NAME|FILE (built-in: ") +
                     builtin_chat_template_names() + ")");
  const int64_t positions = s.load_weights(opt, 1, -1);
  KVCache cache = s.model->make_cache(positions, opt.cache_type);
  Conversation conversation(s, opt, std::move(*tmpl), args.str("--system", ""));
  catch_interrupt();
  const bool interactive = isatty(STDIN_FILENO);
  int status = 0;
  while (auto turn = read_turn(interactive)) {
    if (*turn == "/exit" || *turn == "/quit") break;
    if (*turn == "/reset") {
      conversation.reset();
      continue;
    }
    if (turn->empty()) continue;
    if (!conversation.turn(*turn, cache)) {
      status = 2;
      break;
    }
  }
  conversation.say_speeds();
  finish_stdout();
  return status;
}

}  // namespace reach::run::cli
