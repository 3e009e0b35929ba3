#pragma once
// Picks the next token from the logits. The chain, in llama.cpp's order:
//   repetition, presence and frequency penalties -> (greedy if temperature <= 0) -> top-k -> top-p ->
//   min-p -> temperature -> draw with the seeded generator.
// top-p and min-p compare probabilities before temperature, as llama.cpp does.
#include <cstdint>
#include <random>
#include <span>
#include <vector>

namespace reach::run {

struct SamplerConfig {
  float temperature = 0.0f;     // <= 0: greedy (argmax)
  int32_t top_k = 0;            // <= 0: off
  float top_p = 1.0f;           // >= 1: off
  float min_p = 0.0f;           // <= 0: off
  float repeat_penalty = 1.0f;  // 1: off
  int32_t repeat_last_n = 64;   // how many recent tokens the penalties look at
  // llama.cpp's penalties over the same window: logit -= count · frequency
  // + (count > 0) · presence. 0: off.
  float presence_penalty = 0.0f;
  float frequency_penalty = 0.0f;
  uint64_t seed = 0;
};

class Sampler {
 public:
  explicit Sampler(const SamplerConfig& config);

  // logits: one per vocabulary entry (modified in place by the penalty).
  // history: prompt and generated tokens so far, oldest first.
  int32_t sample(std::span<float> logits, std::span<const int32_t> history);

 private:
  struct Candidate {
    int32_t id;
    float logit;
    float p;
  };
  void apply_repeat_penalty(std::span<float> logits, std::span<const int32_t> history) const;
  double uniform();  // [0, 1), 53 random bits: the same on every platform

  SamplerConfig config_;
  std::mt19937_64 rng_;
  std::vector<Candidate> candidates_;
};

// Index of the largest value; the lowest index wins ties.
int32_t argmax(std::span<const float> logits);

}  // namespace reach::run
