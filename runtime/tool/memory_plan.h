#pragma once
// What a command will hold in memory, planned before anything is allocated
// and checked against the budget: `--max-memory SIZE` when given, else the
// memory the kernel says is available. What does not fit is a message with
// the breakdown and exit status 2, not std::bad_alloc or an OOM kill after
// the model loaded. (Enforcement at each allocation, one accounting
// allocator, is memory_account.h: enforce_budget turns it on.)
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "formats/model_config.h"
#include "formats/model_source.h"

namespace reach::run::cli {

struct MemoryPlan {
  size_t weights = 0;      // every tensor the model reads: repacked copies or mapped file pages
  size_t kv_cache = 0;     // keys and values of every position
  int64_t positions = 0;   // ... that many, in `caches` caches of `kv_type`
  int64_t caches = 1;
  DType kv_type = DType::F32;
  size_t activations = 0;  // one forward pass over the largest batch, and its logits
  size_t total() const { return weights + kv_cache + activations; }
};

// `batch` tokens per pass, `logit_rows` rows of logits (1 for generation,
// the batch for perplexity), `caches` KV caches (one a sequence) of
// `positions` each, of `kv_type`.
MemoryPlan plan_memory(const ModelSource& source, int64_t positions, int64_t batch, int64_t logit_rows,
                       DType kv_type = DType::F32, int64_t caches = 1);

// The bytes of the tensors the model reads (what it will keep resident).
size_t weight_bytes(const ModelSource& source);

struct MemoryBudget {
  size_t bytes = 0;
  bool from_option = false;  // --max-memory, or the memory available
};

// --max-memory when given (a UsageError naming a malformed size), else
// MemAvailable from /proc/meminfo (what can be allocated without swapping).
MemoryBudget memory_budget(bool given, const std::string& max_memory);

// "6G", "800M", "1.5G", "512K", "1048576": bytes (K, M, G, T are powers of
// 1024). Throws std::invalid_argument naming the text.
size_t parse_memory_size(std::string_view text);

// With --max-memory, from now on every counted allocation (model/
// memory_account.h) is checked against the budget; the weights are counted
// first, whole. Without it, nothing is enforced beyond the plan.
void enforce_budget(const MemoryBudget& budget, const ModelSource& source);

// "" when the plan fits, else the breakdown ("weights 612.0 MiB, KV cache
// for 2048 positions 352.0 MiB, activations 40.0 MiB: 1004.0 MiB > budget
// 800.0 MiB (--max-memory); try --ctx-size 1024").
std::string plan_refusal(const MemoryPlan& plan, const MemoryBudget& budget, const ModelConfig& config);

class Args;

// For the commands that take --max-memory: the plan checked against the
// budget (a UsageError with the breakdown), then the budget enforced.
void apply_memory_budget(const Args& a, const ModelSource& source, const MemoryPlan& plan);

inline constexpr const char* kMaxMemoryHelp =
    "refuse to start if the plan needs more, and fail any allocation past it (6G, 800M; default: the memory "
    "available, planned only)";

}  // namespace reach::run::cli
