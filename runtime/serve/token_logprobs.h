#pragma once
// The log-probabilities a request asks for (`logprobs`, `top_logprobs`): of
// the token generated and of the most likely tokens at its position, from
// the model's raw logits (before penalties, temperature and truncation, as
// llama.cpp's server and vLLM report them by default). Pure.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace reach::run::serve {

struct TokenChoice {
  int32_t id;
  float logprob;     // natural log, ≤ 0
  std::string text;  // the token's bytes (not always whole UTF-8 characters)
};

struct TokenLogprobs {
  TokenChoice chosen;
  std::vector<TokenChoice> top;  // the `top` most likely, most likely first (ties: lower id)
};

// log softmax(logits)[chosen] and the `top` largest; the texts are left empty
// for the caller, who has the vocabulary.
TokenLogprobs token_logprobs(std::span<const float> logits, int32_t chosen, int top);

}  // namespace reach::run::serve
