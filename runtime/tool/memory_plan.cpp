#include "tool/memory_plan.h"

#include <unistd.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "formats/mib.h"
#include "model/kv_cache.h"
#include "model/memory_account.h"
#include "tool/args.h"

namespace reach::run::cli {

namespace {

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

}  // namespace

size_t weight_bytes(const ModelSource& source) {
  const ModelConfig& c = source.config();
  std::vector<std::string> names = {"model.embed_tokens.weight", "model.norm.weight", "lm_head.weight"};
  for (int32_t l = 0; l < c.n_layers; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    for (const char* n : {"input_layernorm.weight", "post_attention_layernorm.weight", "self_attn.q_proj.weight",
                          "self_attn.k_proj.weight", "self_attn.v_proj.weight", "self_attn.o_proj.weight",
                          "self_attn.q_proj.bias", "self_attn.k_proj.bias", "self_attn.v_proj.bias",
                          "self_attn.q_norm.weight", "self_attn.k_norm.weight", "mlp.gate_proj.weight",
                          "mlp.up_proj.weight", "mlp.down_proj.weight"})
      names.push_back(p + n);
  }
  size_t bytes = 0;
  for (const std::string& n : names)
    if (const TensorView* t = source.find(n)) bytes += t->nbytes;
  return bytes;
}

MemoryPlan plan_memory(const ModelSource& source, int64_t positions, int64_t batch, int64_t logit_rows,
                       DType kv_type, int64_t caches) {
  const ModelConfig& c = source.config();
  MemoryPlan p;
  p.weights = weight_bytes(source);
  p.positions = positions * caches;
  p.caches = caches;
  p.kv_type = kv_type;
  p.kv_cache = static_cast<size_t>(caches) * KVCache::bytes_for(c, positions, kv_type);  // each in whole key tiles
  // Per token of a batch: x, xb, q, att, k, v, gate, up, cos and sin
  // (Model's Activations); then the rows of logits.
  const int64_t per_token = 2 * int64_t{c.dim} + 2 * int64_t{c.n_heads} * c.head_dim +
                            2 * int64_t{c.n_kv_heads} * c.head_dim + 2 * int64_t{c.ffn_dim} + c.head_dim;
  p.activations = sizeof(float) * static_cast<size_t>(per_token * batch + logit_rows * c.vocab_size);
  return p;
}

size_t parse_memory_size(std::string_view text) {
  const std::string s(text);
  size_t used = 0;
  double value = -1;
  try {
    value = std::stod(s, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  const std::string unit = s.substr(used);
  const double scale = unit.empty() ? 1 : unit == "K" ? 1 << 10 : unit == "M" ? 1 << 20 : unit == "G" ? 1 << 30
                     : unit == "T" ? std::ldexp(1.0, 40) : -1;
  const bool plain_number = s.substr(0, used).find_first_not_of("0123456789.") == std::string::npos;
  if (used == 0 || !plain_number || !std::isfinite(value) || value <= 0 || scale < 0 || !std::isdigit(static_cast<unsigned char>(s[0])) ||
      value * scale >= std::ldexp(1.0, 62))
    throw std::invalid_argument("'" + s + "' is not a size (e.g. 6G, 800M, 512K or a number of bytes)");
  return static_cast<size_t>(value * scale);
}

MemoryBudget memory_budget(bool given, const std::string& max_memory) {
  if (!given) return {available_memory(), false};
  try {
    return {parse_memory_size(max_memory), true};
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--max-memory: ") + e.what());
  }
}

void enforce_budget(const MemoryBudget& budget, const ModelSource& source) {
  if (!budget.from_option) return;
  MemoryAccount& account = MemoryAccount::process();
  account.set_limit(budget.bytes);
  MemoryAccount::gpu().set_limit(budget.bytes);  // a model on a GPU: its memory there, counted apart
  account.reserve(weight_bytes(source), "the weights");
}

void apply_memory_budget(const Args& a, const ModelSource& source, const MemoryPlan& plan) {
  const MemoryBudget budget = memory_budget(a.has("--max-memory"), a.str("--max-memory", ""));
  if (std::string refusal = plan_refusal(plan, budget, source.config()); !refusal.empty()) throw UsageError(refusal);
  enforce_budget(budget, source);
}

std::string plan_refusal(const MemoryPlan& plan, const MemoryBudget& budget, const ModelConfig& config) {
  if (plan.total() <= budget.bytes) return "";
  std::string s = "weights " + mib(plan.weights) + ", KV cache for " + std::to_string(plan.positions) +
                  " positions " + mib(plan.kv_cache) + ", activations " + mib(plan.activations) + ": " +
                  mib(plan.total()) + " > " + (budget.from_option ? "budget " : "") + mib(budget.bytes) +
                  (budget.from_option ? " (--max-memory)" : " of memory available");
  const size_t fixed = plan.weights + plan.activations;
  const int64_t fits = fixed < budget.bytes
                           ? KVCache::positions_within(config, (budget.bytes - fixed) / plan.caches, plan.kv_type)
                           : 0;
  if (fits >= 1) return s + "; try --ctx-size " + std::to_string(fits);
  return s + "; the weights and one pass do not fit: a smaller model or type, or a larger budget";
}

}  // namespace reach::run::cli
