#include "test_model_writer.h"

#include <nlohmann/json.hpp>

#include <cctype>
#include <cmath>
#include <fstream>
#include <functional>
#include <stdexcept>

#include "formats/gguf_layout.h"
#include "formats/gguf_model_metadata.h"
#include "formats/gguf_names.h"
#include "formats/rope_scaling.h"
#include "gguf_writer.h"
#include "quantize_ref.h"
#include "safetensors_writer.h"
#include "tokenizer/gguf_vocab_from_json.h"

namespace reach::test {
namespace {

namespace fs = std::filesystem;
using run::DType;

// One weight tensor in Hugging Face naming and layout, float32.
struct Weight {
  std::string hf_name;
  std::vector<int64_t> shape;  // outermost first
  std::vector<float> values;
};

// SplitMix64 -> Box-Muller: the same numbers on every platform and
// compiler (std::normal_distribution is implementation-defined).
class Normal {
 public:
  explicit Normal(uint64_t seed) : state_(seed) {}
  float operator()() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    const double u1 = (static_cast<double>(next() >> 11) + 1.0) * 0x1.0p-53;  // (0, 1]
    const double u2 = static_cast<double>(next() >> 11) * 0x1.0p-53;
    const double r = std::sqrt(-2.0 * std::log(u1));
    spare_ = static_cast<float>(r * std::sin(2.0 * M_PI * u2));
    has_spare_ = true;
    return static_cast<float>(r * std::cos(2.0 * M_PI * u2));
  }

 private:
  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  uint64_t state_;
  bool has_spare_ = false;
  float spare_ = 0.0f;
};

// Each tensor draws from its own stream (seed x name), so adding a tensor
// never changes the others.
Weight make_weight(const TestModelSpec& spec, const std::string& name, std::vector<int64_t> shape, float center) {
  Normal normal(spec.seed * 0x100000001b3ull ^ std::hash<std::string>{}(name));
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  Weight w{name, std::move(shape), std::vector<float>(static_cast<size_t>(n))};
  for (float& v : w.values) v = center + spec.init_scale * normal();
  return w;
}

std::vector<Weight> make_weights(const TestModelSpec& s, int32_t head_dim, int32_t vocab) {
  const int64_t q_dim = int64_t{s.n_heads} * head_dim, kv_dim = int64_t{s.n_kv_heads} * head_dim;
  std::vector<Weight> w;
  w.push_back(make_weight(s, "model.embed_tokens.weight", {vocab, s.dim}, 0.0f));
  for (int32_t i = 0; i < s.n_layers; ++i) {
    const std::string l = "model.layers." + std::to_string(i) + ".";
    w.push_back(make_weight(s, l + "input_layernorm.weight", {s.dim}, 1.0f));
    if (s.arch == "phi3") {  // q, k and v fused, in that order
      w.push_back(make_weight(s, l + "self_attn.qkv_proj.weight", {q_dim + 2 * kv_dim, s.dim}, 0.0f));
    } else {
      w.push_back(make_weight(s, l + "self_attn.q_proj.weight", {q_dim, s.dim}, 0.0f));
      w.push_back(make_weight(s, l + "self_attn.k_proj.weight", {kv_dim, s.dim}, 0.0f));
      w.push_back(make_weight(s, l + "self_attn.v_proj.weight", {kv_dim, s.dim}, 0.0f));
    }
    if (s.arch == "qwen2") {
      w.push_back(make_weight(s, l + "self_attn.q_proj.bias", {q_dim}, 0.0f));
      w.push_back(make_weight(s, l + "self_attn.k_proj.bias", {kv_dim}, 0.0f));
      w.push_back(make_weight(s, l + "self_attn.v_proj.bias", {kv_dim}, 0.0f));
    }
    w.push_back(make_weight(s, l + "self_attn.o_proj.weight", {s.dim, q_dim}, 0.0f));
    if (s.arch == "qwen3") {
      w.push_back(make_weight(s, l + "self_attn.q_norm.weight", {head_dim}, 1.0f));
      w.push_back(make_weight(s, l + "self_attn.k_norm.weight", {head_dim}, 1.0f));
    }
    w.push_back(make_weight(s, l + "post_attention_layernorm.weight", {s.dim}, 1.0f));
    if (s.arch == "phi3") {  // gate and up fused, in that order
      w.push_back(make_weight(s, l + "mlp.gate_up_proj.weight", {2 * int64_t{s.ffn_dim}, s.dim}, 0.0f));
    } else {
      w.push_back(make_weight(s, l + "mlp.gate_proj.weight", {s.ffn_dim, s.dim}, 0.0f));
      w.push_back(make_weight(s, l + "mlp.up_proj.weight", {s.ffn_dim, s.dim}, 0.0f));
    }
    w.push_back(make_weight(s, l + "mlp.down_proj.weight", {s.dim, s.ffn_dim}, 0.0f));
  }
  w.push_back(make_weight(s, "model.norm.weight", {s.dim}, 1.0f));
  if (!s.tied_embeddings) w.push_back(make_weight(s, "lm_head.weight", {vocab, s.dim}, 0.0f));
  return w;
}

// ---- Hugging Face folder ----

std::vector<std::byte> encode_hf(const Weight& w, DType dtype) {
  if (!run::type_traits(dtype).safetensors) throw std::invalid_argument("hf_dtype must be F32, F16 or BF16");
  std::vector<std::byte> out;
  encode_row(dtype, w.values, out);
  return out;
}

const char* hf_class(const std::string& arch) {
  if (arch == "llama") return "LlamaForCausalLM";
  if (arch == "mistral") return "MistralForCausalLM";
  if (arch == "qwen2") return "Qwen2ForCausalLM";
  if (arch == "phi3") return "Phi3ForCausalLM";
  return "Qwen3ForCausalLM";
}

void copy_over(const fs::path& from, const fs::path& to) {
  fs::copy_file(from, to, fs::copy_options::overwrite_existing);
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream f(path, std::ios::trunc);
  f << text;
  if (!f) throw std::runtime_error("cannot write " + path.string());
}

void write_hf_folder(const TestModelSpec& s, const std::vector<Weight>& weights, const run::GgufVocab& vocab,
                     int32_t head_dim, const fs::path& dir) {
  fs::create_directories(dir);
  nlohmann::ordered_json config = {
      {"architectures", {hf_class(s.arch)}},
      {"model_type", s.arch},
      {"hidden_size", s.dim},
      {"intermediate_size", s.ffn_dim},
      {"num_hidden_layers", s.n_layers},
      {"num_attention_heads", s.n_heads},
      {"num_key_value_heads", s.n_kv_heads},
      {"head_dim", head_dim},
      {"max_position_embeddings", s.context_length},
      {"rms_norm_eps", s.rms_eps},
      {"rope_theta", s.rope_theta},
      {"tie_word_embeddings", s.tied_embeddings},
      {"vocab_size", vocab.tokens.size()},
      {"hidden_act", "silu"},
      {"torch_dtype", s.hf_dtype == DType::F32 ? "float32" : s.hf_dtype == DType::F16 ? "float16" : "bfloat16"},
  };
  config["bos_token_id"] = vocab.bos_id >= 0 ? nlohmann::ordered_json(vocab.bos_id) : nlohmann::ordered_json();
  config["eos_token_id"] = vocab.eos_id >= 0 ? nlohmann::ordered_json(vocab.eos_id) : nlohmann::ordered_json();
  if (s.rope_scaling.factor != 0.0f) {
    config["rope_scaling"] = {{"rope_type", "llama3"},
                              {"factor", s.rope_scaling.factor},
                              {"low_freq_factor", s.rope_scaling.low_freq_factor},
                              {"high_freq_factor", s.rope_scaling.high_freq_factor},
                              {"original_max_position_embeddings", s.rope_scaling.original_max_position}};
  }
  write_text(dir / "config.json", config.dump(2) + "\n");
  copy_over(s.tokenizer_dir / "tokenizer.json", dir / "tokenizer.json");
  if (fs::exists(s.tokenizer_dir / "tokenizer_config.json")) {
    copy_over(s.tokenizer_dir / "tokenizer_config.json", dir / "tokenizer_config.json");
  }

  const std::string dtype(run::type_traits(s.hf_dtype).name);
  const int32_t shards = std::max(1, std::min<int32_t>(s.hf_shards, static_cast<int32_t>(weights.size())));
  fs::remove(dir / "model.safetensors");
  fs::remove(dir / "model.safetensors.index.json");
  if (shards == 1) {
    std::vector<SafetensorsEntry> entries;
    for (const auto& w : weights) entries.push_back({w.hf_name, dtype, w.shape, encode_hf(w, s.hf_dtype)});
    write_safetensors(dir / "model.safetensors", entries);
    return;
  }
  nlohmann::ordered_json weight_map = nlohmann::ordered_json::object();
  const size_t per_shard = (weights.size() + shards - 1) / shards;
  for (int32_t k = 0; k < shards; ++k) {
    char name[64];
    std::snprintf(name, sizeof name, "model-%05d-of-%05d.safetensors", k + 1, shards);
    std::vector<SafetensorsEntry> entries;
    for (size_t i = k * per_shard; i < std::min(weights.size(), (k + 1) * per_shard); ++i) {
      entries.push_back({weights[i].hf_name, dtype, weights[i].shape, encode_hf(weights[i], s.hf_dtype)});
      weight_map[weights[i].hf_name] = name;
    }
    write_safetensors(dir / name, entries);
  }
  write_text(dir / "model.safetensors.index.json",
             nlohmann::ordered_json({{"metadata", nlohmann::ordered_json::object()}, {"weight_map", weight_map}}).dump(2));
}

// ---- GGUF ----

// The storage type of one tensor in a GGUF file of `file_type`: 1-D stays
// F32; rows that do not split into 32-element blocks fall back to F16.
DType storage_type(const Weight& w, DType file_type) {
  if (w.shape.size() < 2 || file_type == DType::F32) return DType::F32;
  if (w.shape.back() % run::type_traits(file_type).block_elems != 0) return DType::F16;
  return file_type;
}

std::vector<std::byte> encode_gguf(const std::vector<float>& values, int64_t cols, DType type) {
  std::vector<std::byte> out;
  for (size_t r = 0; r < values.size() / cols; ++r)
    encode_row(type, std::span<const float>(values.data() + r * cols, static_cast<size_t>(cols)), out);
  return out;
}

run::Arch arch_of(const std::string& arch) {
  if (arch == "llama") return run::Arch::Llama;
  if (arch == "mistral") return run::Arch::Mistral;
  if (arch == "qwen2") return run::Arch::Qwen2;
  if (arch == "phi3") return run::Arch::Phi3;
  return run::Arch::Qwen3;
}

// The spec as the config a loader reads back from the GGUF metadata.
run::ModelConfig gguf_config(const TestModelSpec& s, int32_t head_dim, int32_t vocab) {
  run::ModelConfig c;
  c.arch = arch_of(s.arch);
  c.dim = s.dim, c.n_layers = s.n_layers, c.n_heads = s.n_heads, c.n_kv_heads = s.n_kv_heads;
  c.head_dim = head_dim, c.ffn_dim = s.ffn_dim, c.vocab_size = vocab, c.max_seq_len = s.context_length;
  c.rms_eps = s.rms_eps, c.rope_theta = s.rope_theta;
  return c;
}

void write_gguf(const TestModelSpec& s, const std::vector<Weight>& weights, const run::GgufVocab& vocab,
                int32_t head_dim, DType file_type, const fs::path& path) {
  const run::ModelConfig config = gguf_config(s, head_dim, static_cast<int32_t>(vocab.tokens.size()));
  GgufWriter g;
  run::add_model_metadata(g, config, "reach-test-model", run::gguf_file_type(file_type));
  run::add_vocab_metadata(g, vocab);
  if (s.rope_scaling.factor != 0.0f) {
    const auto factors = run::llama3_rope_divisors(s.rope_scaling, s.rope_theta, head_dim);
    g.add_tensor("rope_freqs.weight", DType::F32, {static_cast<int64_t>(factors.size())},
                 encode_gguf(factors, static_cast<int64_t>(factors.size()), DType::F32));
  }
  for (const Weight& w : weights) {
    const DType type = storage_type(w, file_type);
    std::vector<std::byte> data = encode_gguf(w.values, w.shape.back(), type);
    if (const int64_t heads = run::permuted_heads(config, w.hf_name)) {
      std::vector<std::byte> permuted(data.size());
      run::permute_qk_rows(data, permuted, heads, head_dim, data.size() / static_cast<size_t>(w.shape[0]));
      data = std::move(permuted);
    }
    g.add_tensor(run::gguf_name(w.hf_name), type, w.shape, std::move(data));
  }
  g.write(path);
}

std::string file_suffix(DType t) {
  if (t == DType::BF16) throw std::invalid_argument("GGUF file types are F32, F16, Q8_0 and Q4_0");
  std::string suffix(run::type_traits(t).name);  // "q8_0" for Q8_0
  for (char& c : suffix) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return suffix;
}

void check_spec(const TestModelSpec& s, int32_t head_dim) {
  const auto bad = [](const std::string& why) { throw std::invalid_argument("test model spec: " + why); };
  if (s.arch != "llama" && s.arch != "mistral" && s.arch != "qwen2" && s.arch != "qwen3" && s.arch != "phi3")
    bad("unknown arch " + s.arch);
  if (s.dim <= 0 || s.n_layers <= 0 || s.n_heads <= 0 || s.n_kv_heads <= 0 || s.ffn_dim <= 0 || s.context_length <= 0) {
    bad("sizes must be positive");
  }
  if (s.n_heads % s.n_kv_heads != 0) bad("heads must be a multiple of kv heads");
  if (head_dim <= 0 || head_dim % 2 != 0) bad("head_dim must be positive and even (dim / heads when not given)");
  if (s.tokenizer_dir.empty() || !fs::exists(s.tokenizer_dir / "tokenizer.json")) {
    bad("no tokenizer.json in tokenizer_dir '" + s.tokenizer_dir.string() + "'");
  }
}

}  // namespace

TestModelFiles write_test_model(const TestModelSpec& spec, const fs::path& out_dir) {
  if (spec.head_dim == 0 && spec.n_heads > 0 && spec.dim % spec.n_heads != 0) {
    throw std::invalid_argument("test model spec: dim is not a multiple of heads; give head_dim");
  }
  const int32_t head_dim = spec.head_dim != 0 ? spec.head_dim : spec.dim / std::max(1, spec.n_heads);
  check_spec(spec, head_dim);
  const run::GgufVocab vocab =
      run::gguf_vocab_from_tokenizer_json({spec.tokenizer_dir / "tokenizer.json", spec.tokenizer_dir / "tokenizer_config.json"});
  const int32_t n_vocab = static_cast<int32_t>(vocab.tokens.size());
  const std::vector<Weight> weights = make_weights(spec, head_dim, n_vocab);

  TestModelFiles files;
  files.vocab_size = n_vocab;
  files.hf_dir = out_dir / "hf";
  write_hf_folder(spec, weights, vocab, head_dim, files.hf_dir);
  for (DType t : spec.gguf_types) {
    const fs::path path = out_dir / ("model-" + file_suffix(t) + ".gguf");
    write_gguf(spec, weights, vocab, head_dim, t, path);
    files.gguf[t] = path;
  }
  return files;
}

}  // namespace reach::test
