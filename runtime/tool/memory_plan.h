#pragma once
// What a generation will allocate, checked against the memory available
// before anything is: a --ctx-size the machine cannot hold is a message with
// the sizes and exit status 2, not std::bad_alloc after the model loaded.
#include <cstddef>
#include <cstdint>
#include <string>

#include "formats/model_config.h"

namespace reach::run::cli {

struct MemoryPlan {
  size_t kv_cache = 0;     // keys and values of every position
  size_t activations = 0;  // one forward pass over the prompt
  size_t total() const { return kv_cache + activations; }
};

MemoryPlan plan_generation(const ModelConfig& config, int64_t positions, int64_t prompt_tokens);

// MemAvailable from /proc/meminfo (what can be allocated without swapping),
// or the physical memory when the kernel does not say.
size_t available_memory();

// "" when the plan fits in `available`, else the message saying what does not.
std::string plan_refusal(const MemoryPlan& plan, size_t available, int64_t positions);

}  // namespace reach::run::cli
