#pragma once
// Training new LoRA adapters on a text: what `reach-run finetune` and the
// forge pipeline run. The tokens are cut into windows of ctx + 1 (stride
// ctx), shuffled per epoch by the seed; each step takes the next `batch`
// windows, runs the trainer (lora_trainer.h) and AdamW (adamw.h) with a
// linear warmup to `lr` and a linear decay to 0 at the last step (Hugging
// Face's get_linear_schedule_with_warmup). New pairs start as PEFT starts
// them (lora_params.h). The same seed and options give the same adapter,
// bit for bit, on any thread count.
#include <cstdint>
#include <functional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "formats/model_source.h"
#include "kernels/thread_pool.h"
#include "lora/lora_adapter.h"
#include "train/lora_params.h"

namespace reach::run::train {

struct FinetuneOptions {
  int64_t rank = 8;
  double alpha = 16;
  std::vector<std::string> targets = {"q", "k", "v", "o", "gate", "up", "down"};
  int64_t ctx = 256, batch = 4;
  int64_t steps = 0;    // 0: from epochs
  double epochs = 1;
  double lr = 2e-4, weight_decay = 0.01;
  int64_t warmup = 0;   // steps
  bool adamw_8bit = false;
  bool checkpointing = false;
  uint64_t seed = 0;
  // Heads whose attention output is zeroed while training ({layer, head}):
  // the forge pipeline trains around the heads it pruned.
  std::vector<std::pair<int32_t, int32_t>> masked_heads;
};

// The matrices --targets' short names mean ("q" → q_proj, ..., "gate" →
// gate_proj); throws std::invalid_argument naming an unknown one.
std::vector<LoraTarget> parse_targets(const std::vector<std::string>& targets);

// How many windows of ctx + 1 tokens the text gives, and the steps a run takes.
int64_t window_count(int64_t tokens, int64_t ctx);
int64_t planned_steps(const FinetuneOptions& o, int64_t windows);

// What a run holds besides the model's weights, planned before it starts.
struct FinetuneMemory {
  size_t activations = 0;  // the saved activations and the logits of one step
  size_t adapters = 0;     // A, B and their gradients
  size_t optimizer = 0;    // AdamW's moments
  size_t dequantized = 0;  // the pieces of frozen weights each thread dequantizes (output head: vocab × 256)
  size_t total() const { return activations + adapters + optimizer + dequantized; }
};
FinetuneMemory plan_finetune(const ModelConfig& c, const FinetuneOptions& o, int threads);

struct StepReport {
  int64_t step = 0, steps = 0;  // 1-based
  double loss = 0, lr = 0;
  double seconds = 0;           // this step's
  int64_t tokens = 0;           // this step's (batch · ctx)
};

struct FinetuneResult {
  std::vector<LoraParams<float>> pairs;  // trained
  size_t optimizer_bytes = 0;            // the optimizer's state as held
};

// Trains new adapters on `tokens` (at least ctx + 1 of them; else
// std::invalid_argument), calling on_step after each step.
FinetuneResult finetune(const ModelSource& source, std::span<const int32_t> tokens,
                                        const FinetuneOptions& o, ThreadPool& pool,
                                        const std::function<void(const StepReport&)>& on_step);

}  // namespace reach::run::train
