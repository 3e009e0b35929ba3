#pragma once
// What `finetune` and `forge` share: the LoRA training options (the PEFT
// and AdamW settings, the schedule, checkpointing, the seed), the memory
// check against the budget before training, and the per-step progress line
// (loss, learning rate, tokens/s, resident memory).
#include <cstddef>
#include <vector>

#include "formats/model_source.h"
#include "tool/args.h"
#include "train/finetune.h"

namespace reach::run::cli {

// --max-memory as the training commands take it: a plan checked before
// training starts (the training buffers are not counted allocation by
// allocation, as inference's are).
inline constexpr const char* kTrainingMaxMemoryHelp =
    "refuse to start if the weights, a step's activations, the adapters and the optimizer state need more "
    "(6G, 800M; default: the memory available)";

// --rank, --alpha, --targets, --ctx, --batch, --lr, --weight-decay,
// --warmup, --optimizer, --checkpointing, --seed.
std::vector<OptionSpec> training_option_specs();
// A UsageError naming a malformed option.
train::FinetuneOptions parse_training_options(const Args& a);

// The model's weights and a run's buffers against --max-memory (or the
// memory available): a UsageError with the breakdown when they do not fit.
// threads: the pool's size (each thread dequantizes weight pieces of its own).
void check_training_memory(const Args& a, const ModelSource& source, const train::FinetuneOptions& o, int threads);

// A bar on a terminal, else one line per step, on stderr.
void report_training_step(const train::StepReport& r);

}  // namespace reach::run::cli
