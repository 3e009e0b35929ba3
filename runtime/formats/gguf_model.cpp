#include "formats/gguf_model.h"

#include <algorithm>

#include "formats/config_json.h"
#include "formats/format_error.h"

namespace reach::run {
namespace {

int32_t int32_key(const GgufFile& f, const std::string& key, int64_t lo, int64_t hi) {
  const int64_t v = f.get_int(key);
  if (v < lo || v > hi) {
    throw FormatError(f.file_name, f.find(key)->offset,
                      "metadata key '" + key + "' = " + std::to_string(v) + " is outside " + std::to_string(lo) +
                          ".." + std::to_string(hi));
  }
  return static_cast<int32_t>(v);
}

int32_t optional_id(const GgufFile& f, const std::string& key) {
  return f.has(key) ? int32_key(f, key, 0, INT32_MAX) : -1;
}

}  // namespace

ModelConfig model_config_from_gguf(const GgufFile& f) {
  const std::string arch = f.get_string("general.architecture");
  ModelConfig c;
  if (arch == "llama") {
    c.arch = Arch::Llama;
  } else if (arch == "qwen2") {
    c.arch = Arch::Qwen2;
  } else if (arch == "qwen3") {
    c.arch = Arch::Qwen3;
  } else if (arch == "phi3") {
    c.arch = Arch::Phi3;
  } else {
    throw FormatError(f.file_name, f.find("general.architecture")->offset,
                      "unknown architecture '" + arch + "' (supported: llama, qwen2, qwen3, phi3)");
  }
  const std::string p = arch + ".";
  constexpr int64_t kMax = 1 << 24;
  c.dim = int32_key(f, p + "embedding_length", 1, kMax);
  c.n_layers = int32_key(f, p + "block_count", 1, 1 << 12);
  c.n_heads = int32_key(f, p + "attention.head_count", 1, kMax);
  c.n_kv_heads = f.has(p + "attention.head_count_kv") ? int32_key(f, p + "attention.head_count_kv", 1, kMax) : c.n_heads;
  c.ffn_dim = int32_key(f, p + "feed_forward_length", 1, kMax);
  c.max_seq_len = int32_key(f, p + "context_length", 1, kMax);
  c.rms_eps = static_cast<float>(f.get_float(p + "attention.layer_norm_rms_epsilon", 1e-5));
  c.rope_theta = static_cast<float>(f.get_float(p + "rope.freq_base", 10000.0));
  if (f.has(p + "attention.key_length")) {
    c.head_dim = int32_key(f, p + "attention.key_length", 1, kMax);
  } else {
    if (c.dim % c.n_heads != 0) {
      throw FormatError(f.file_name, "embedding_length is not a multiple of head_count and there is no "
                                     "attention.key_length");
    }
    c.head_dim = c.dim / c.n_heads;
  }
  if (f.has(p + "attention.value_length") && f.get_int(p + "attention.value_length") != c.head_dim) {
    throw FormatError(f.file_name, f.find(p + "attention.value_length")->offset,
                      "attention.value_length differs from attention.key_length, which is not supported");
  }
  if (f.has(p + "rope.dimension_count") && f.get_int(p + "rope.dimension_count") != c.head_dim) {
    throw FormatError(f.file_name, f.find(p + "rope.dimension_count")->offset,
                      "rope.dimension_count differs from the head size (partial RoPE is not supported)");
  }
  c.qkv_bias = c.arch == Arch::Qwen2;
  c.qk_norm = c.arch == Arch::Qwen3;

  const GgufValue* tokens = f.find("tokenizer.ggml.tokens");
  if (tokens == nullptr) throw FormatError(f.file_name, "missing metadata key 'tokenizer.ggml.tokens' (no tokenizer)");
  if (tokens->type != GgufType::ARRAY || tokens->elem_type != GgufType::STRING || tokens->count == 0 ||
      tokens->count > static_cast<uint64_t>(kMax)) {
    throw FormatError(f.file_name, tokens->offset, "tokenizer.ggml.tokens must be a non-empty array of strings");
  }
  c.vocab_size = static_cast<int32_t>(tokens->count);
  c.bos_id = optional_id(f, "tokenizer.ggml.bos_token_id");
  for (const char* key : {"tokenizer.ggml.eos_token_id", "tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id"}) {
    const int32_t id = optional_id(f, key);
    if (id >= 0 && std::find(c.eos_ids.begin(), c.eos_ids.end(), id) == c.eos_ids.end()) c.eos_ids.push_back(id);
  }
  // Tied embeddings and Llama-3 rope factors are read from the tensors
  // (output.weight absent; rope_freqs.weight) by the model source.
  validate_model_config(c, f.file_name);
  return c;
}

GgufVocab vocab_from_gguf(const GgufFile& f) {
  GgufVocab v;
  v.model = f.get_string("tokenizer.ggml.model");
  v.pre = f.get_string("tokenizer.ggml.pre", "default");
  v.chat_template = f.get_string("tokenizer.chat_template", "");
  v.tokens = f.get_string_array("tokenizer.ggml.tokens");
  const auto n = v.tokens.size();
  const auto check_len = [&](const char* key, size_t len) {
    if (len != n) {
      throw FormatError(f.file_name, f.find(key)->offset,
                        std::string(key) + " has " + std::to_string(len) + " entries but there are " +
                            std::to_string(n) + " tokens");
    }
  };
  if (f.has("tokenizer.ggml.scores")) {
    v.scores = f.get_float_array("tokenizer.ggml.scores");
    check_len("tokenizer.ggml.scores", v.scores.size());
  }
  if (f.has("tokenizer.ggml.token_type")) {
    v.token_types = f.get_int32_array("tokenizer.ggml.token_type");
    check_len("tokenizer.ggml.token_type", v.token_types.size());
  }
  if (f.has("tokenizer.ggml.merges")) v.merges = f.get_string_array("tokenizer.ggml.merges");
  const auto id = [&](const char* key) {
    const int32_t value = optional_id(f, key);
    if (value >= static_cast<int64_t>(n)) {
      throw FormatError(f.file_name, f.find(key)->offset,
                        std::string(key) + " = " + std::to_string(value) + " is outside the vocabulary");
    }
    return value;
  };
  v.bos_id = id("tokenizer.ggml.bos_token_id");
  v.eos_id = id("tokenizer.ggml.eos_token_id");
  v.unk_id = id("tokenizer.ggml.unknown_token_id");
  v.pad_id = id("tokenizer.ggml.padding_token_id");
  // llama.cpp's defaults when the key is absent: SentencePiece vocabularies
  // and Llama-3's pre-tokenizer add BOS, other byte-level BPE ones do not.
  const bool llama3_pre = v.pre == "llama-bpe" || v.pre == "llama3" || v.pre == "llama-v3";
  v.add_bos = f.get_bool("tokenizer.ggml.add_bos_token", v.model == "llama" || (v.model == "gpt2" && llama3_pre));
  v.add_eos = f.get_bool("tokenizer.ggml.add_eos_token", false);
  v.add_space_prefix = f.get_bool("tokenizer.ggml.add_space_prefix", true);
  v.file = f.file_name;
  return v;
}

}  // namespace reach::run
