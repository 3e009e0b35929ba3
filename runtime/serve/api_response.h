#pragma once
// The JSON the OpenAI API answers with, for chat (`chat.completion`,
// `chat.completion.chunk`) and plain completions (`text_completion`).
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "serve/token_logprobs.h"

namespace reach::run::serve {

struct ResponseHead {
  std::string id;     // "chatcmpl-..." / "cmpl-..."
  int64_t created;    // seconds since the epoch
  std::string model;
  bool chat;
};

struct Usage {
  int64_t prompt_tokens = 0, completion_tokens = 0;
  nlohmann::json json() const;
};

// The log-probabilities of a choice's tokens, when the request asked: a
// chat's {"content": [{token, logprob, bytes, top_logprobs}], "refusal"}, a
// completion's {tokens, token_logprobs, top_logprobs, text_offset} (offsets
// in bytes of the completion's text, the first token's at `offset`).
struct ChoiceLogprobs {
  const std::vector<TokenLogprobs>& tokens;
  size_t offset = 0;
};

// The whole answer of a request that did not stream.
nlohmann::json completion(const ResponseHead& head, const std::string& text, const std::string& finish_reason,
                          const Usage& usage, const std::optional<ChoiceLogprobs>& logprobs = std::nullopt);
// One streamed chunk: `text` (the first chunk of a chat also says the
// role) and its tokens' logprobs, or the last one with its finish_reason
// and no text.
nlohmann::json chunk(const ResponseHead& head, const std::string& text, bool first,
                     const std::optional<std::string>& finish_reason,
                     const std::optional<ChoiceLogprobs>& logprobs = std::nullopt);
// The extra chunk stream_options.include_usage asks for: no choices, the usage.
nlohmann::json usage_chunk(const ResponseHead& head, const Usage& usage);
// A server-sent event: "data: ...\n\n".
std::string sse(const nlohmann::json& event);

}  // namespace reach::run::serve
