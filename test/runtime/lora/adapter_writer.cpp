#include "adapter_writer.h"

#include <cstring>
#include <fstream>
#include <random>

#include "formats/gguf_layout.h"
#include "formats/gguf_model_metadata.h"
#include "formats/gguf_names.h"
#include "safetensors_writer.h"
#include "gguf_writer.h"

namespace reach::test {
namespace {

std::vector<std::byte> bytes_of(const std::vector<float>& v) {
  std::vector<std::byte> out(v.size() * sizeof(float));
  std::memcpy(out.data(), v.data(), out.size());
  return out;
}

// {rows, cols} of a module's weight.
std::pair<int64_t, int64_t> module_shape(const run::ModelConfig& c, const std::string& m) {
  const int64_t q = int64_t{c.n_heads} * c.head_dim, kv = int64_t{c.n_kv_heads} * c.head_dim;
  if (m == "q_proj") return {q, c.dim};
  if (m == "k_proj" || m == "v_proj") return {kv, c.dim};
  if (m == "o_proj") return {c.dim, q};
  if (m == "gate_proj" || m == "up_proj") return {c.ffn_dim, c.dim};
  if (m == "down_proj") return {c.dim, c.ffn_dim};
  if (m == "qkv_proj") return {q + 2 * kv, c.dim};
  if (m == "gate_up_proj") return {2 * int64_t{c.ffn_dim}, c.dim};
  throw std::invalid_argument("no module " + m);
}

std::string module_path(const std::string& m) {
  const bool mlp = m == "gate_proj" || m == "up_proj" || m == "down_proj" || m == "gate_up_proj";
  return (mlp ? "mlp." : "self_attn.") + m;
}

}  // namespace

TestAdapter random_adapter(const run::ModelConfig& c, const std::vector<std::string>& modules, int64_t r,
                           double alpha, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, 0.1f);
  TestAdapter a;
  a.r = r;
  a.alpha = alpha;
  for (int32_t layer = 0; layer < c.n_layers; ++layer)
    for (const std::string& m : modules) {
      const auto [out, in] = module_shape(c, m);
      TestLoraPair p{"model.layers." + std::to_string(layer) + "." + module_path(m) + ".weight", r, in, out, {}, {}};
      for (int64_t i = 0; i < r * in; ++i) p.a.push_back(normal(rng));
      for (int64_t i = 0; i < out * r; ++i) p.b.push_back(normal(rng));
      a.pairs.push_back(std::move(p));
    }
  return a;
}

std::string peft_config_text(const TestAdapter& a, const std::string& extra) {
  return "{\"peft_type\": \"LORA\", \"task_type\": \"CAUSAL_LM\", \"r\": " + std::to_string(a.r) +
         ", \"lora_alpha\": " + std::to_string(a.alpha) + ", \"lora_dropout\": 0.05, \"bias\": \"none\"" +
         ", \"use_rslora\": " + (a.rslora ? "true" : "false") +
         ", \"target_modules\": [\"q_proj\", \"v_proj\"], \"modules_to_save\": null, \"fan_in_fan_out\": false" +
         (extra.empty() ? "" : ", " + extra) + "}";
}

void write_peft(const TestAdapter& a, const std::filesystem::path& folder, const std::string& extra) {
  std::filesystem::create_directories(folder);
  std::ofstream(folder / "adapter_config.json") << peft_config_text(a, extra);
  std::vector<SafetensorsEntry> entries;
  for (const TestLoraPair& p : a.pairs) {
    const std::string stem = "base_model.model." + p.weight.substr(0, p.weight.size() - 7);
    entries.push_back({stem + ".lora_A.weight", "F32", {p.rank, p.in}, bytes_of(p.a)});
    entries.push_back({stem + ".lora_B.weight", "F32", {p.out, p.rank}, bytes_of(p.b)});
  }
  write_safetensors(folder / "adapter_model.safetensors", entries);
}

void write_gguf_lora(const TestAdapter& a, const run::ModelConfig& c, const std::filesystem::path& file) {
  GgufWriter w;
  w.add_string("general.architecture", run::gguf_architecture(c.arch));
  w.add_string("general.type", "adapter");
  w.add_string("adapter.type", "lora");
  w.add_f32("adapter.lora.alpha", static_cast<float>(a.alpha));
  for (const TestLoraPair& p : a.pairs) {
    std::vector<float> b = p.b;
    if (const int64_t heads = run::permuted_heads(c, p.weight))
      run::permute_qk_rows(std::as_bytes(std::span(p.b)), std::as_writable_bytes(std::span(b)), heads, c.head_dim,
                           static_cast<size_t>(p.rank) * sizeof(float));
    const std::string name = run::gguf_name(p.weight);
    w.add_tensor(name + ".lora_a", run::DType::F32, {p.rank, p.in}, bytes_of(p.a));
    w.add_tensor(name + ".lora_b", run::DType::F32, {p.out, p.rank}, bytes_of(b));
  }
  w.write(file);
}

}  // namespace reach::test
