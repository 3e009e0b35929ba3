#include "serve/api_response.h"

namespace reach::run::serve {

using json = nlohmann::json;

namespace {

json head_json(const ResponseHead& h, bool streamed) {
  const char* object = h.chat ? (streamed ? "chat.completion.chunk" : "chat.completion") : "text_completion";
  return {{"id", h.id}, {"object", object}, {"created", h.created}, {"model", h.model}};
}

json reason_json(const std::optional<std::string>& r) { return r ? json(*r) : json(); }

}  // namespace

json Usage::json() const {
  return {{"prompt_tokens", prompt_tokens},
          {"completion_tokens", completion_tokens},
          {"total_tokens", prompt_tokens + completion_tokens}};
}

json completion(const ResponseHead& head, const std::string& text, const std::string& finish_reason,
                const Usage& usage) {
  json choice = {{"index", 0}, {"finish_reason", finish_reason}, {"logprobs", nullptr}};
  if (head.chat) choice["message"] = {{"role", "assistant"}, {"content", text}};
  else choice["text"] = text;
  json r = head_json(head, false);
  r["choices"] = json::array({choice});
  r["usage"] = usage.json();
  return r;
}

json chunk(const ResponseHead& head, const std::string& text, bool first,
           const std::optional<std::string>& finish_reason) {
  json choice = {{"index", 0}, {"finish_reason", reason_json(finish_reason)}, {"logprobs", nullptr}};
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
