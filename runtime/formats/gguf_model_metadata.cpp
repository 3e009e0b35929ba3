#include "formats/gguf_model_metadata.h"

#include <stdexcept>

namespace reach::run {
namespace {

void add_id(GgufMetadata& m, const std::string& key, int32_t id) {
  if (id >= 0) m.add_u32(key, static_cast<uint32_t>(id));
}

}  // namespace

uint32_t gguf_file_type(DType t) {
  switch (t) {
    case DType::F32: return 0;
    case DType::F16: return 1;
    case DType::Q4_0: return 2;
    case DType::Q8_0: return 7;
    case DType::BF16: return 32;
    case DType::Q4_1: return 3;
    case DType::Q5_0: return 8;
    case DType::Q5_1: return 9;
    case DType::Q2_K: return 10;
    case DType::Q3_K: return 11;  // Q3_K_S
    case DType::Q4_K: return 14;  // Q4_K_S: the _M mixes are reach-run quantize's (forge/quantize_mix.h)
    case DType::Q5_K: return 16;  // Q5_K_S
    case DType::Q6_K: return 18;
  }
  throw std::invalid_argument("no GGUF file type for this tensor type");
}

std::string gguf_architecture(Arch arch) {
  switch (arch) {
    case Arch::Llama:
    case Arch::Mistral: return "llama";
    case Arch::Qwen2: return "qwen2";
    case Arch::Qwen3: return "qwen3";
    case Arch::Phi3: return "phi3";
  }
  throw std::invalid_argument("no GGUF architecture for this model");
}

void add_model_metadata(GgufMetadata& m, const ModelConfig& c, const std::string& name, uint32_t file_type) {
  const std::string arch = gguf_architecture(c.arch);
  const auto u32 = [&](const std::string& key, int32_t v) { m.add_u32(arch + "." + key, static_cast<uint32_t>(v)); };
  m.add_string("general.architecture", arch);
  m.add_string("general.name", name);
  m.add_u32("general.file_type", file_type);
  u32("vocab_size", c.vocab_size);
  u32("context_length", c.max_seq_len);
  u32("embedding_length", c.dim);
  u32("block_count", c.n_layers);
  u32("feed_forward_length", c.ffn_dim);
  u32("attention.head_count", c.n_heads);
  u32("attention.head_count_kv", c.n_kv_heads);
  u32("attention.key_length", c.head_dim);
  u32("attention.value_length", c.head_dim);
  u32("rope.dimension_count", c.head_dim);
  m.add_f32(arch + ".rope.freq_base", c.rope_theta);
  m.add_f32(arch + ".attention.layer_norm_rms_epsilon", c.rms_eps);
}

void add_vocab_metadata(GgufMetadata& m, const GgufVocab& v) {
  m.add_string("tokenizer.ggml.model", v.model);
  m.add_string("tokenizer.ggml.pre", v.pre);
  m.add_string_array("tokenizer.ggml.tokens", v.tokens);
  if (!v.scores.empty()) m.add_f32_array("tokenizer.ggml.scores", v.scores);
  m.add_i32_array("tokenizer.ggml.token_type", v.token_types);
  if (!v.merges.empty()) m.add_string_array("tokenizer.ggml.merges", v.merges);
  add_id(m, "tokenizer.ggml.bos_token_id", v.bos_id);
  add_id(m, "tokenizer.ggml.eos_token_id", v.eos_id);
  add_id(m, "tokenizer.ggml.unknown_token_id", v.unk_id);
  add_id(m, "tokenizer.ggml.padding_token_id", v.pad_id);
  m.add_bool("tokenizer.ggml.add_bos_token", v.add_bos);
  m.add_bool("tokenizer.ggml.add_eos_token", v.add_eos);
}

}  // namespace reach::run
