#include "tool/memory_plan.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "model/kv_cache.h"

namespace reach::run::cli {

namespace {

std::string gib(size_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f GiB", static_cast<double>(bytes) / (1u << 30));
  return buf;
}

}  // namespace

MemoryPlan plan_generation(const ModelConfig& c, int64_t positions, int64_t prompt_tokens) {
  MemoryPlan p;
  p.kv_cache = KVCache::bytes_for(c, positions);
  // Per token of a batch: x, xb, q, att, gate, up, cos and sin (Model's
  // Activations), plus one row of logits.
  const int64_t per_token = 2 * int64_t{c.dim} + 2 * int64_t{c.n_heads} * c.head_dim + 2 * int64_t{c.ffn_dim} +
                            c.head_dim;
  p.activations = sizeof(float) * static_cast<size_t>(per_token * prompt_tokens + c.vocab_size);
  return p;
}

size_t available_memory() {
  std::ifstream meminfo("/proc/meminfo");
  std::string line;
  while (std::getline(meminfo, line)) {
    std::istringstream fields(line);
    std::string key;
    size_t kib = 0;
    if (fields >> key >> kib && key == "MemAvailable:") return kib * 1024;
  }
  return static_cast<size_t>(::sysconf(_SC_PHYS_PAGES)) * static_cast<size_t>(::sysconf(_SC_PAGESIZE));
}

std::string plan_refusal(const MemoryPlan& plan, size_t available, int64_t positions) {
  if (plan.total() <= available) return "";
  return "the KV cache for " + std::to_string(positions) + " positions (" + gib(plan.kv_cache) +
         ") and the prompt's activations (" + gib(plan.activations) + ") need " + gib(plan.total()) + ", but " +
         gib(available) + " of memory is available; lower --ctx-size or --max-tokens";
}

}  // namespace reach::run::cli
