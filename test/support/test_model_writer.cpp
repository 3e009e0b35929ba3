#include "test_model_writer.h"

#include <nlohmann/json.hpp>

#include <cctype>
#include <cmath>
#include <fstream>
#include <functional>
#include <stdexcept>

#include "gguf_writer.h"
#include "quantize_ref.h"
#include "safetensors_writer.h"
#include "tokenizer_vocab.h"

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
    w.push_back(make_weight(s, l + "self_attn.q_proj.weight", {q_dim, s.dim}, 0.0f));
    w.push_back(make_weight(s, l + "self_attn.k_proj.weight", {kv_dim, s.dim}, 0.0f));
    w.push_back(make_weight(s, l + "self_attn.v_proj.weight", {kv_dim, s.dim}, 0.0f));
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
    w.push_back(make_weight(s, l + "mlp.gate_proj.weight", {s.ffn_dim, s.dim}, 0.0f));
    w.push_back(make_weight(s, l + "mlp.up_proj.weight", {s.ffn_dim, s.dim}, 0.0f));
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

// convert_hf_to_gguf.py's LlamaModel.permute: within each head, interleave
// the two halves' rows so that rotating adjacent pairs equals HF's rotate_half.
std::vector<float> permute_rows(const std::vector<float>& w, int64_t n_head, int64_t head_dim, int64_t cols) {
  std::vector<float> out(w.size());
  const int64_t half = head_dim / 2;
  for (int64_t h = 0; h < n_head; ++h) {
    for (int64_t i = 0; i < half; ++i) {
      for (int64_t j = 0; j < 2; ++j) {
        const float* src = w.data() + ((h * head_dim) + j * half + i) * cols;
        std::copy(src, src + cols, out.data() + ((h * head_dim) + 2 * i + j) * cols);
      }
    }
  }
  return out;
}

std::string gguf_name(const std::string& hf) {
  static const std::pair<const char*, const char*> global[] = {
      {"model.embed_tokens.weight", "token_embd.weight"},
      {"model.norm.weight", "output_norm.weight"},
      {"lm_head.weight", "output.weight"},
  };
  for (const auto& [from, to] : global) {
    if (hf == from) return to;
  }
  static const std::pair<const char*, const char*> layer[] = {
      {"input_layernorm.weight", "attn_norm.weight"},       {"self_attn.q_proj.weight", "attn_q.weight"},
      {"self_attn.k_proj.weight", "attn_k.weight"},         {"self_attn.v_proj.weight", "attn_v.weight"},
      {"self_attn.q_proj.bias", "attn_q.bias"},             {"self_attn.k_proj.bias", "attn_k.bias"},
      {"self_attn.v_proj.bias", "attn_v.bias"},             {"self_attn.o_proj.weight", "attn_output.weight"},
      {"self_attn.q_norm.weight", "attn_q_norm.weight"},    {"self_attn.k_norm.weight", "attn_k_norm.weight"},
      {"post_attention_layernorm.weight", "ffn_norm.weight"}, {"mlp.gate_proj.weight", "ffn_gate.weight"},
      {"mlp.up_proj.weight", "ffn_up.weight"},              {"mlp.down_proj.weight", "ffn_down.weight"},
  };
  const std::string prefix = "model.layers.";
  const size_t dot = hf.find('.', prefix.size());
  const std::string index = hf.substr(prefix.size(), dot - prefix.size());
  const std::string rest = hf.substr(dot + 1);
  for (const auto& [from, to] : layer) {
    if (rest == from) return "blk." + index + "." + to;
  }
  throw std::logic_error("no GGUF name for " + hf);
}

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

// llama.cpp's converter stores Llama-3 rope scaling as a per-frequency
// divisor tensor (LlamaModel.generate_extra_tensors).
std::vector<float> llama3_rope_factors(const TestModelSpec& s, int32_t head_dim) {
  const auto& r = s.rope_scaling;
  const double low_wavelen = r.original_max_position / r.low_freq_factor;
  const double high_wavelen = r.original_max_position / r.high_freq_factor;
  std::vector<float> factors;
  for (int32_t i = 0; i < head_dim; i += 2) {
    const double freq = 1.0 / std::pow(static_cast<double>(s.rope_theta), static_cast<double>(i) / head_dim);
    const double wavelen = 2 * M_PI / freq;
    if (wavelen < high_wavelen) {
      factors.push_back(1.0f);
    } else if (wavelen > low_wavelen) {
      factors.push_back(r.factor);
    } else {
      const double smooth = (r.original_max_position / wavelen - r.low_freq_factor) / (r.high_freq_factor - r.low_freq_factor);
      factors.push_back(static_cast<float>(1.0 / ((1 - smooth) / r.factor + smooth)));
    }
  }
  return factors;
}

uint32_t file_type_id(DType t) {
  switch (t) {
    case DType::F32: return 0;
    case DType::F16: return 1;
    case DType::Q4_0: return 2;
    case DType::Q8_0: return 7;
    default: throw std::invalid_argument("GGUF file types are F32, F16, Q8_0 and Q4_0");
  }
}

void write_gguf(const TestModelSpec& s, const std::vector<Weight>& weights, const run::GgufVocab& vocab,
                int32_t head_dim, DType file_type, const fs::path& path) {
  const std::string arch = s.arch == "mistral" ? "llama" : s.arch;
  const bool permute = arch == "llama";
  GgufWriter g;
  g.add_string("general.architecture", arch);
  g.add_string("general.name", "reach-test-model");
  g.add_u32("general.file_type", file_type_id(file_type));
  g.add_u32(arch + ".vocab_size", static_cast<uint32_t>(vocab.tokens.size()));
  g.add_u32(arch + ".context_length", static_cast<uint32_t>(s.context_length));
  g.add_u32(arch + ".embedding_length", static_cast<uint32_t>(s.dim));
  g.add_u32(arch + ".block_count", static_cast<uint32_t>(s.n_layers));
  g.add_u32(arch + ".feed_forward_length", static_cast<uint32_t>(s.ffn_dim));
  g.add_u32(arch + ".attention.head_count", static_cast<uint32_t>(s.n_heads));
  g.add_u32(arch + ".attention.head_count_kv", static_cast<uint32_t>(s.n_kv_heads));
  g.add_u32(arch + ".attention.key_length", static_cast<uint32_t>(head_dim));
  g.add_u32(arch + ".attention.value_length", static_cast<uint32_t>(head_dim));
  g.add_u32(arch + ".rope.dimension_count", static_cast<uint32_t>(head_dim));
  g.add_f32(arch + ".rope.freq_base", s.rope_theta);
  g.add_f32(arch + ".attention.layer_norm_rms_epsilon", s.rms_eps);

  g.add_string("tokenizer.ggml.model", vocab.model);
  g.add_string("tokenizer.ggml.pre", vocab.pre);
  g.add_string_array("tokenizer.ggml.tokens", vocab.tokens);
  if (!vocab.scores.empty()) g.add_f32_array("tokenizer.ggml.scores", vocab.scores);
  g.add_i32_array("tokenizer.ggml.token_type", vocab.token_types);
  if (!vocab.merges.empty()) g.add_string_array("tokenizer.ggml.merges", vocab.merges);
  if (vocab.bos_id >= 0) g.add_u32("tokenizer.ggml.bos_token_id", static_cast<uint32_t>(vocab.bos_id));
  if (vocab.eos_id >= 0) g.add_u32("tokenizer.ggml.eos_token_id", static_cast<uint32_t>(vocab.eos_id));
  if (vocab.unk_id >= 0) g.add_u32("tokenizer.ggml.unknown_token_id", static_cast<uint32_t>(vocab.unk_id));
  if (vocab.pad_id >= 0) g.add_u32("tokenizer.ggml.padding_token_id", static_cast<uint32_t>(vocab.pad_id));
  g.add_bool("tokenizer.ggml.add_bos_token", vocab.add_bos);
  g.add_bool("tokenizer.ggml.add_eos_token", vocab.add_eos);

  if (s.rope_scaling.factor != 0.0f) {
    const auto factors = llama3_rope_factors(s, head_dim);
    g.add_tensor("rope_freqs.weight", DType::F32, {static_cast<int64_t>(factors.size())},
                 encode_gguf(factors, static_cast<int64_t>(factors.size()), DType::F32));
  }
  for (const Weight& w : weights) {
    std::vector<float> values = w.values;
    if (permute && w.hf_name.ends_with("q_proj.weight")) values = permute_rows(values, s.n_heads, head_dim, s.dim);
    if (permute && w.hf_name.ends_with("k_proj.weight")) values = permute_rows(values, s.n_kv_heads, head_dim, s.dim);
    const DType type = storage_type(w, file_type);
    g.add_tensor(gguf_name(w.hf_name), type, w.shape, encode_gguf(values, w.shape.back(), type));
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
  if (s.arch != "llama" && s.arch != "mistral" && s.arch != "qwen2" && s.arch != "qwen3") bad("unknown arch " + s.arch);
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
  const run::GgufVocab vocab = gguf_vocab_from_hf_tokenizer(spec.tokenizer_dir);
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
