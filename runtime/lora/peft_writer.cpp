#include "lora/peft_writer.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <set>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "formats/gguf_layout.h"
#include "formats/safetensors_writer.h"
#include "lora/lora_adapter.h"

namespace reach::run {
namespace {

std::vector<std::byte> bytes_of(std::span<const float> v) {
  std::vector<std::byte> out(v.size_bytes());
  std::memcpy(out.data(), v.data(), out.size());
  return out;
}

// One pair as it is written: A {rank, in}, B {out, rank} in HF's row order.
struct Written {
  std::string weight;
  int64_t rank = 0, in = 0, out = 0;
  std::vector<float> a, b;
};

// Phi-3's q/k/v (gate/up) pairs as one pair of its fused qkv_proj
// (gate_up_proj), the module HF's Phi3ForCausalLM has: A the parts' A
// stacked (rank Σ r_i), B block-diagonal in the fused rows' order, each
// block scaled by s(r_i) / s(Σ r_i) so that the fused module's own scale
// (lora_alpha / rank, adapter_config.json's rank_pattern giving its rank)
// gives each part its lora_alpha / r_i update. A missing part's rows stay 0.
Written fused(const std::string& name, const std::vector<const Written*>& parts, const std::vector<int64_t>& part_rows,
              const PeftConfigOut& config) {
  Written f{name, 0, 0, 0, {}, {}};
  for (const Written* p : parts)
    if (p) f.rank += p->rank, f.in = p->in;
  for (int64_t rows : part_rows) f.out += rows;
  f.b.assign(static_cast<size_t>(f.out * f.rank), 0.0f);
  const auto scale = [&](int64_t r) { return config.use_rslora ? 1.0 / std::sqrt(static_cast<double>(r)) : 1.0 / r; };
  int64_t row0 = 0, col0 = 0;
  for (size_t i = 0; i < parts.size(); row0 += part_rows[i], ++i) {
    const Written* p = parts[i];
    if (!p) continue;
    if (p->out != part_rows[i] || p->in != f.in)
      throw std::logic_error("LoRA pair '" + p->weight + "' does not have its fused module's shape");
    f.a.insert(f.a.end(), p->a.begin(), p->a.end());
    const auto factor = static_cast<float>(scale(p->rank) / scale(f.rank));
    for (int64_t r = 0; r < p->out; ++r)
      for (int64_t k = 0; k < p->rank; ++k)
        f.b[static_cast<size_t>((row0 + r) * f.rank + col0 + k)] = factor * p->b[static_cast<size_t>(r * p->rank + k)];
    col0 += p->rank;
  }
  return f;
}

// The pairs of a Phi-3 model with its fused modules put back together.
std::vector<Written> fuse_phi3(std::vector<Written> pairs, const ModelConfig& c, const PeftConfigOut& config) {
  const int64_t q_rows = int64_t{c.n_heads} * c.head_dim, kv_rows = int64_t{c.n_kv_heads} * c.head_dim;
  struct Group {
    const char* fused;
    std::vector<const char*> parts;
    std::vector<int64_t> rows;
  };
  const Group groups[] = {{"self_attn.qkv_proj", {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj"},
                           {q_rows, kv_rows, kv_rows}},
                          {"mlp.gate_up_proj", {"mlp.gate_proj", "mlp.up_proj"}, {c.ffn_dim, c.ffn_dim}}};
  std::vector<Written> out;
  std::set<const Written*> taken;
  for (int32_t layer = 0; layer < c.n_layers; ++layer) {
    const std::string prefix = "model.layers." + std::to_string(layer) + ".";
    for (const Group& g : groups) {
      std::vector<const Written*> found;
      for (const char* part : g.parts) {
        const auto it = std::find_if(pairs.begin(), pairs.end(),
                                     [&](const Written& w) { return w.weight == prefix + part + ".weight"; });
        found.push_back(it == pairs.end() ? nullptr : &*it);
        if (found.back()) taken.insert(found.back());
      }
      if (std::any_of(found.begin(), found.end(), [](const Written* w) { return w != nullptr; }))
        out.push_back(fused(prefix + g.fused + ".weight", found, g.rows, config));
    }
  }
  for (Written& w : pairs)
    if (!taken.count(&w)) out.push_back(std::move(w));
  return out;
}

}  // namespace

void write_peft_adapter(const std::filesystem::path& folder, const PeftConfigOut& config,
                        const std::vector<PeftPairOut>& pairs, const ModelSource& model) {
  std::filesystem::create_directories(folder);
  const bool permuted = model.rope_style() == RopeStyle::AdjacentPairs;
  std::vector<Written> written;
  for (const PeftPairOut& p : pairs) {
    Written w{p.weight, p.rank, p.in, p.out, {p.a.begin(), p.a.end()}, {p.b.begin(), p.b.end()}};
    if (const int64_t heads = permuted ? permuted_heads(model.config(), p.weight) : 0) {
      std::vector<float> hf(w.b.size());
      unpermute_qk_rows(std::as_bytes(std::span(w.b)), std::as_writable_bytes(std::span(hf)), heads,
                        model.config().head_dim, static_cast<size_t>(p.rank) * sizeof(float));
      w.b = std::move(hf);
    }
    written.push_back(std::move(w));
  }
  const bool phi3 = model.config().arch == Arch::Phi3;
  if (phi3) written = fuse_phi3(std::move(written), model.config(), config);

  std::vector<SafetensorsEntry> entries;
  std::set<std::string> modules;
  nlohmann::ordered_json rank_pattern = nlohmann::ordered_json::object();
  for (const Written& w : written) {
    const std::string stem = "base_model.model." + w.weight.substr(0, w.weight.size() - 7);
    entries.push_back({stem + ".lora_A.weight", "F32", {w.rank, w.in}, bytes_of(w.a)});
    entries.push_back({stem + ".lora_B.weight", "F32", {w.out, w.rank}, bytes_of(w.b)});
    modules.insert(lora_module_of(w.weight));
    // PEFT matches a rank_pattern key as the end of a module's path, after
    // a dot (older versions require the dot): "layers.3.mlp.gate_up_proj"
    // names just this one.
    if (w.rank != config.r) rank_pattern[w.weight.substr(6, w.weight.size() - 13)] = w.rank;
  }
  nlohmann::ordered_json j = {{"peft_type", "LORA"},
                              {"task_type", "CAUSAL_LM"},
                              {"base_model_name_or_path", config.base_model},
                              {"r", config.r},
                              {"lora_alpha", config.lora_alpha},
                              {"use_rslora", config.use_rslora},
                              {"target_modules", std::vector<std::string>(modules.begin(), modules.end())},
                              {"lora_dropout", 0.0},
                              {"bias", "none"},
                              {"fan_in_fan_out", false},
                              {"modules_to_save", nullptr},
                              {"inference_mode", true}};
  if (!rank_pattern.empty()) j["rank_pattern"] = rank_pattern;
  std::ofstream config_file(folder / "adapter_config.json", std::ios::trunc);
  if (!(config_file << j.dump(2) << "\n") || !config_file.flush())
    throw std::runtime_error((folder / "adapter_config.json").string() + ": write failed (disk full?)");
  write_safetensors(folder / "adapter_model.safetensors", entries);
}

}  // namespace reach::run
