#include "serve/api_response.h"

namespace reach::run::serve {

using json = nlohmann::json;

namespace {

json head_json(const ResponseHead& h, bool streamed) {
  const char* object = h.chat ? (streamed ? "chat.completion.chunk" : "chat.completion") : "text_completion";
  return {{"id", h.id}, {"object", object}, {"created", h.created}, {"model", h.model}};
}

json reason_json(const std::optional<std::string>& r) { return r ? json(*r) : json(); }

json bytes_of(const std::string& text) {
  json bytes = json::array();
  for (unsigned char c : text) bytes.push_back(c);
  return bytes;
}

json choice_json(const TokenChoice& c) {
  return {{"token", c.text}, {"logprob", c.logprob}, {"bytes", bytes_of(c.text)}};
}

json chat_logprobs(const std::vector<TokenLogprobs>& tokens) {
  json content = json::array();
  for (const TokenLogprobs& t : tokens) {
    json entry = choice_json(t.chosen);
    entry["top_logprobs"] = json::array();
    for (const TokenChoice& c : t.top) entry["top_logprobs"].push_back(choice_json(c));
    content.push_back(std::move(entry));
  }
  return {{"content", std::move(content)}, {"refusal", nullptr}};
}

json completion_logprobs(const std::vector<TokenLogprobs>& tokens, size_t offset) {
  json r = {{"tokens", json::array()}, {"token_logprobs", json::array()}, {"top_logprobs", json::array()},
            {"text_offset", json::array()}};
  for (const TokenLogprobs& t : tokens) {
    r["tokens"].push_back(t.chosen.text);
    r["token_logprobs"].push_back(t.chosen.logprob);
    json top = json::object();
    for (const TokenChoice& c : t.top) top[c.text] = c.logprob;
    r["top_logprobs"].push_back(std::move(top));
    r["text_offset"].push_back(offset);
    offset += t.chosen.text.size();
  }
  return r;
}

json logprobs_json(bool chat, const std::optional<ChoiceLogprobs>& l) {
  if (!l) return nullptr;
  return chat ? chat_logprobs(l->tokens) : completion_logprobs(l->tokens, l->offset);
}

}  // namespace

json Usage::json() const {
  return {{"prompt_tokens", prompt_tokens},
          {"completion_tokens", completion_tokens},
          {"total_tokens", prompt_tokens + completion_tokens}};
}

json completion(const ResponseHead& head, const std::string& text, const std::string& finish_reason,
                const Usage& usage, const std::optional<ChoiceLogprobs>& logprobs) {
  json choice = {{"index", 0}, {"finish_reason", finish_reason}, {"logprobs", logprobs_json(head.chat, logprobs)}};
  if (head.chat) choice["message"] = {{"role", "assistant"}, {"content", text}};
  else choice["text"] = text;
  json r = head_json(head, false);
  r["choices"] = json::array({choice});
  r["usage"] = usage.json();
  return r;
}

json chunk(const ResponseHead& head, const std::string& text, bool first,
           const std::optional<std::string>& finish_reason, const std::optional<ChoiceLogprobs>& logprobs) {
  json choice = {{"index", 0}, {"finish_reason", reason_json(finish_reason)},
                 {"logprobs", logprobs_json(head.chat, logprobs)}};
  if (head.chat) {
    json delta = json::object();
    if (first) delta["role"] = "assistant";
    if (!finish_reason) delta["content"] = text;
    choice["delta"] = delta;
  } else {
    choice["text"] = text;
  }
  json r = head_json(head, true);
  r["choices"] = json::array({choice});
  return r;
}

json usage_chunk(const ResponseHead& head, const Usage& usage) {
  json r = head_json(head, true);
  r["choices"] = json::array();
  r["usage"] = usage.json();
  return r;
}

std::string sse(const json& event) {
  return "data: " + event.dump(-1, ' ', false, json::error_handler_t::replace) + "\n\n";
}

}  // namespace reach::run::serve
