#pragma once
// Perplexity as llama.cpp's llama-perplexity computes it: the text tokenized
// once; windows of `ctx` tokens, each evaluated from an empty cache with its
// first token replaced by BOS (when the tokenizer adds one), and scored on
// its second half (positions ctx/2 .. ctx-2 predict the next token). With a
// stride S, windows start every S tokens and the last S tokens of each are
// scored. Perplexity = exp(mean negative log-likelihood); its standard error
// by the delta method, exp(nll) · sqrt(var(nll) / (count - 1)).
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "model/model.h"

namespace reach::run {

struct PerplexityOptions {
  int64_t ctx = 512;
  int64_t stride = 0;   // 0: llama.cpp's default method, non-overlapping windows scored on their second half
  int64_t batch = 512;  // tokens per forward pass (activations and logits are {batch, ...})
  int32_t bos_id = -1;  // replaces each window's first token; -1: none
};

struct WindowScore {
  int64_t index = 0;       // 0-based
  int64_t start = 0;       // token offset of the window in the text
  double nll = 0;          // summed over the window's scored tokens
  int64_t scored = 0;      // tokens scored in this window
  double running_ppl = 0;  // over every window so far
};

struct PerplexityResult {
  double perplexity = 0;
  double standard_error = 0;
  double mean_nll = 0;
  int64_t tokens_scored = 0;
  int64_t tokens_evaluated = 0;  // through the model, scored or not
  std::vector<WindowScore> windows;
};

// Throws std::invalid_argument naming the problem when the text has fewer
// than 2·ctx tokens or the options do not fit (stride ≥ ctx, batch < 1).
PerplexityResult perplexity(Model& model, std::span<const int32_t> tokens, const PerplexityOptions& options,
                            const std::function<void(const WindowScore&, int64_t windows)>& on_window = {});

// -log softmax(logits)[target], in double precision.
double negative_log_likelihood(std::span<const float> logits, int32_t target);

}  // namespace reach::run
