#include "formats/config_json.h"

#include <nlohmann/json.hpp>

#include "formats/format_error.h"
#include "formats/mapped_file.h"

namespace reach::run {
namespace {

using nlohmann::json;

struct ArchName {
  const char* hf_class;
  const char* model_type;
  Arch arch;
};
constexpr ArchName kArchs[] = {
    {"LlamaForCausalLM", "llama", Arch::Llama},
    {"MistralForCausalLM", "mistral", Arch::Mistral},
    {"Qwen2ForCausalLM", "qwen2", Arch::Qwen2},
    {"Qwen3ForCausalLM", "qwen3", Arch::Qwen3},
    {"Phi3ForCausalLM", "phi3", Arch::Phi3},
};

class ConfigReader {
 public:
  ConfigReader(const json& root, const std::string& file) : root_(root), file_(file) {}

  [[noreturn]] void fail(const std::string& rule) const { throw FormatError(file_, rule); }

  bool present(const char* key) const { return root_.contains(key) && !root_[key].is_null(); }

  int64_t integer(const char* key) const {
    if (!present(key)) fail("missing key '" + std::string(key) + "'");
    const json& v = root_[key];
    if (!v.is_number_integer()) fail("key '" + std::string(key) + "' must be an integer, got " + v.dump());
    if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
      fail("key '" + std::string(key) + "' is out of range");
    }
    return v.get<int64_t>();
  }
  int64_t integer(const char* key, int64_t fallback) const { return present(key) ? integer(key) : fallback; }

  int32_t positive(const char* key, int64_t limit) const { return bounded(key, integer(key), limit); }
  int32_t positive(const char* key, int64_t fallback, int64_t limit) const {
    return bounded(key, integer(key, fallback), limit);
  }

  double number(const char* key, double fallback) const {
    if (!present(key)) return fallback;
    const json& v = root_[key];
    if (!v.is_number()) fail("key '" + std::string(key) + "' must be a number, got " + v.dump());
    return v.get<double>();
  }

  bool boolean(const char* key, bool fallback) const {
    if (!present(key)) return fallback;
    const json& v = root_[key];
    if (!v.is_boolean()) fail("key '" + std::string(key) + "' must be true or false, got " + v.dump());
    return v.get<bool>();
  }

 private:
  int32_t bounded(const char* key, int64_t v, int64_t limit) const {
    if (v <= 0 || v > limit) {
      fail("key '" + std::string(key) + "' = " + std::to_string(v) + " is outside 1.." + std::to_string(limit));
    }
    return static_cast<int32_t>(v);
  }

  const json& root_;
  const std::string& file_;
};

Arch detect_arch(const json& root, const ConfigReader& r) {
  if (root.contains("architectures") && !root["architectures"].is_null()) {
    const json& a = root["architectures"];
    if (!a.is_array() || a.empty() || !a[0].is_string()) r.fail("'architectures' must be a non-empty list of strings");
    const std::string name = a[0].get<std::string>();
    for (const auto& k : kArchs) {
      if (name == k.hf_class) return k.arch;
    }
    r.fail("unknown architecture '" + name +
           "' (supported: LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM, Phi3ForCausalLM)");
  }
  if (root.contains("model_type") && root["model_type"].is_string()) {
    const std::string type = root["model_type"].get<std::string>();
    for (const auto& k : kArchs) {
      if (type == k.model_type) return k.arch;
    }
    r.fail("unknown architecture: model_type '" + type + "' (supported: llama, mistral, qwen2, qwen3, phi3)");
  }
  r.fail("missing key 'architectures' (and no 'model_type'): cannot tell the architecture");
}

constexpr int64_t kMaxDim = 1 << 20;        // hidden, ffn, head sizes
constexpr int64_t kMaxVocab = 1 << 24;
constexpr int64_t kMaxLayers = 1 << 12;
constexpr int64_t kMaxContext = 1 << 24;

// The file's JSON, which must be an object; JSON errors carry the byte
// they were found at.
json parse_root(std::string_view text, const std::string& file) {
  json root;
  try {
    root = json::parse(text);
  } catch (const json::parse_error& e) {
    throw FormatError(file, e.byte > 0 ? e.byte - 1 : 0, std::string("not valid JSON: ") + e.what());
  } catch (const json::exception& e) {  // e.g. a number too large for a double (out_of_range 406)
    throw FormatError(file, 0, std::string("not valid JSON: ") + e.what());
  }
  if (!root.is_object()) throw FormatError(file, 0, "config must be a JSON object");
  return root;
}

void read_sizes(const ConfigReader& r, ModelConfig& c) {
  c.dim = r.positive("hidden_size", kMaxDim);
  c.n_layers = r.positive("num_hidden_layers", kMaxLayers);
  c.n_heads = r.positive("num_attention_heads", kMaxDim);
  c.n_kv_heads = r.positive("num_key_value_heads", c.n_heads, kMaxDim);
  if (r.present("head_dim")) {
    c.head_dim = r.positive("head_dim", kMaxDim);
  } else {
    if (c.dim % c.n_heads != 0) {
      r.fail("hidden_size " + std::to_string(c.dim) + " is not a multiple of num_attention_heads " +
             std::to_string(c.n_heads) + " and no head_dim is given");
    }
    c.head_dim = c.dim / c.n_heads;
  }
  c.ffn_dim = r.positive("intermediate_size", kMaxDim);
  c.vocab_size = r.positive("vocab_size", kMaxVocab);
  c.max_seq_len = r.positive("max_position_embeddings", 2048, kMaxContext);
}

// Norm, RoPE base and the per-architecture switches (Qwen2 has q/k/v
// biases, Qwen3 q/k norms; no other architecture may ask for biases).
void read_options(const ConfigReader& r, ModelConfig& c) {
  c.rms_eps = static_cast<float>(r.number("rms_norm_eps", 1e-6));
  c.rope_theta = static_cast<float>(r.number("rope_theta", 10000.0));
  c.tied_embeddings = r.boolean("tie_word_embeddings", false);
  c.qkv_bias = c.arch == Arch::Qwen2;
  c.qk_norm = c.arch == Arch::Qwen3;
  if (r.boolean("attention_bias", false) && c.arch != Arch::Qwen2) {
    r.fail("attention_bias = true is not supported for this architecture");
  }
}

// rope_scaling: absent, null or "default" leave RoPE unscaled; only llama3
// scaling is implemented.
void read_rope_scaling(const json& root, const ConfigReader& r, const std::string& file, RopeScaling& out) {
  if (!r.present("rope_scaling")) return;
  const json& s = root["rope_scaling"];
  if (!s.is_object()) r.fail("'rope_scaling' must be an object or null");
  const json* type = s.contains("rope_type") ? &s["rope_type"] : s.contains("type") ? &s["type"] : nullptr;
  const std::string type_name = type != nullptr && type->is_string() ? type->get<std::string>() : "";
  if (type_name == "default") {
    // no scaling
  } else if (type_name == "llama3") {
    const ConfigReader sr(s, file);
    out.factor = static_cast<float>(sr.number("factor", 0.0));
    out.low_freq_factor = static_cast<float>(sr.number("low_freq_factor", 1.0));
    out.high_freq_factor = static_cast<float>(sr.number("high_freq_factor", 4.0));
    out.original_max_position = sr.positive("original_max_position_embeddings", 8192, kMaxContext);
    if (!(out.factor > 0.0f)) r.fail("rope_scaling: llama3 needs a positive 'factor'");
  } else {
    r.fail("unsupported rope_scaling type '" + type_name + "' (supported: llama3)");
  }
}

// bos_token_id is one id; eos_token_id is one id or a list of them.
void read_special_tokens(const json& root, const ConfigReader& r, ModelConfig& c) {
  if (r.present("bos_token_id")) {
    const int64_t bos = r.integer("bos_token_id");
    if (bos < 0 || bos > INT32_MAX) r.fail("bos_token_id " + std::to_string(bos) + " is out of range");
    c.bos_id = static_cast<int32_t>(bos);
  }
  if (r.present("eos_token_id")) {
    const json& e = root["eos_token_id"];
    const auto add = [&](const json& v) {
      if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > INT32_MAX) {
        r.fail("eos_token_id must be a token id or a list of them, got " + v.dump());
      }
      c.eos_ids.push_back(static_cast<int32_t>(v.get<int64_t>()));
    };
    if (e.is_array()) {
      for (const auto& v : e) add(v);
    } else {
      add(e);
    }
  }
}

}  // namespace

void validate_model_config(const ModelConfig& c, const std::string& file) {
  const auto fail = [&](const std::string& rule) { throw FormatError(file, rule); };
  if (c.dim <= 0 || c.n_layers <= 0 || c.n_heads <= 0 || c.n_kv_heads <= 0 || c.head_dim <= 0 ||
      c.ffn_dim <= 0 || c.vocab_size <= 0 || c.max_seq_len <= 0) {
    fail("model sizes must all be positive (dim " + std::to_string(c.dim) + ", layers " +
         std::to_string(c.n_layers) + ", heads " + std::to_string(c.n_heads) + ", kv heads " +
         std::to_string(c.n_kv_heads) + ", head_dim " + std::to_string(c.head_dim) + ", ffn " +
         std::to_string(c.ffn_dim) + ", vocab " + std::to_string(c.vocab_size) + ", context " +
         std::to_string(c.max_seq_len) + ")");
  }
  if (c.n_heads % c.n_kv_heads != 0) {
    fail("attention heads " + std::to_string(c.n_heads) + " are not a multiple of kv heads " +
         std::to_string(c.n_kv_heads));
  }
  if (c.head_dim % 2 != 0) fail("head_dim " + std::to_string(c.head_dim) + " is odd; RoPE rotates pairs");
  if (static_cast<int64_t>(c.n_heads) * c.head_dim > kMaxDim) fail("heads x head_dim exceeds " + std::to_string(kMaxDim));
  if (!(c.rms_eps > 0.0f) || !(c.rope_theta > 0.0f)) fail("rms_norm_eps and rope_theta must be positive");
  if (c.bos_id >= c.vocab_size) fail("bos_token_id " + std::to_string(c.bos_id) + " is outside the vocabulary");
  for (int32_t id : c.eos_ids) {
    if (id < 0 || id >= c.vocab_size) fail("eos_token_id " + std::to_string(id) + " is outside the vocabulary");
  }
  if (c.rope_scaling.factor != 0.0f) {
    const RopeScaling& s = c.rope_scaling;
    if (!(s.factor > 0.0f) || !(s.low_freq_factor > 0.0f) || !(s.high_freq_factor > s.low_freq_factor) ||
        s.original_max_position <= 0) {
      fail("rope_scaling: factor and low_freq_factor must be positive, high_freq_factor > low_freq_factor, "
           "original_max_position_embeddings positive");
    }
  }
}

ModelConfig parse_config_json(std::string_view text, const std::string& file) {
  const json root = parse_root(text, file);
  const ConfigReader r(root, file);
  ModelConfig c;
  c.arch = detect_arch(root, r);
  read_sizes(r, c);
  read_options(r, c);
  read_rope_scaling(root, r, file, c.rope_scaling);
  read_special_tokens(root, r, c);
  validate_model_config(c, file);
  return c;
}

ModelConfig read_config_json(const std::filesystem::path& path) {
  MappedFile file(path);
  const auto b = file.bytes();
  return parse_config_json(std::string_view(reinterpret_cast<const char*>(b.data()), b.size()), path.string());
}

}  // namespace reach::run
