#pragma once
// An OpenAI-style request body (POST /v1/chat/completions, /v1/completions)
// checked field by field: what the server runs, or the 4xx it answers with
// an OpenAI-style error naming the field. Pure: no model, no I/O.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "sample/sampler.h"

namespace reach::run::serve {

struct ApiError {
  int status = 400;
  std::string message;
  std::string type = "invalid_request_error";
  std::string param;  // the field, "" for the body as a whole
  std::string code;   // "" or e.g. "model_not_found"
  nlohmann::json body() const;  // {"error": {"message", "type", "param", "code"}}
};

struct CompletionRequest {
  bool chat = false;
  nlohmann::ordered_json messages;  // chat: [{"role", "content"}], content as a string
  nlohmann::ordered_json tools;     // chat: null or the request's tools
  std::string prompt;               // completions
  int64_t max_tokens = -1;          // -1: until the end of the turn or the context
  SamplerConfig sampling;
  bool seeded = false;              // a `seed` was given (else the server draws one)
  std::vector<std::string> stop;
  bool stream = false;
  bool include_usage = false;       // stream_options.include_usage
  // -1: no log-probabilities; else those of each token and of this many most
  // likely ones (chat: `logprobs: true` with `top_logprobs` 0..20;
  // completions: `logprobs` 0..5).
  int logprobs = -1;
};

struct ServedModel {
  std::string id;    // the name /v1/models lists; requests may name it or nothing
};

// `body` is the raw request body (it may be anything).
std::variant<CompletionRequest, ApiError> parse_completion_request(const std::string& body, bool chat,
                                                                   const ServedModel& model);

// Whether an Authorization header's value is "Bearer KEY" (the scheme in
// any case). Every byte of the key is compared whatever the guess, so the
// answer's timing does not tell how many leading characters of a guess were
// right (only whether its length was).
bool bearer_matches(std::string_view authorization, std::string_view key);

}  // namespace reach::run::serve
