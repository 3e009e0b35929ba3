#pragma once
// The hyper-parameters of a Llama-family model, whatever file they came
// from. Filled by config_json.cpp (HF config.json) and by the GGUF loader
// (general.architecture and <arch>.* metadata).
#include <cstdint>
#include <string>
#include <vector>

namespace reach::run {

// Phi-3: Llama's blocks with q, k and v in one matrix (qkv_proj) and gate
// and up in one (gate_up_proj), NeoX-style RoPE.
enum class Arch { Llama, Mistral, Qwen2, Qwen3, Phi3 };

// Llama-3 "rope_scaling": {"rope_type": "llama3", ...}; factor 0 = none.
struct RopeScaling {
  float factor = 0.0f;
  float low_freq_factor = 1.0f;
  float high_freq_factor = 4.0f;
  int32_t original_max_position = 8192;
};

struct ModelConfig {
  Arch arch = Arch::Llama;
  int32_t dim = 0;           // hidden_size
  int32_t n_layers = 0;      // num_hidden_layers
  int32_t n_heads = 0;       // num_attention_heads
  int32_t n_kv_heads = 0;    // num_key_value_heads (== n_heads without GQA)
  int32_t head_dim = 0;      // usually dim / n_heads; Qwen3 sets it explicitly
  int32_t ffn_dim = 0;       // intermediate_size
  int32_t vocab_size = 0;
  int32_t max_seq_len = 0;   // max_position_embeddings / context_length
  float rms_eps = 1e-5f;
  float rope_theta = 10000.0f;
  RopeScaling rope_scaling;
  bool tied_embeddings = false;  // lm_head shares model.embed_tokens.weight
  bool qkv_bias = false;         // Qwen2: q/k/v projections carry biases
  bool qk_norm = false;          // Qwen3: RMSNorm over each head of q and k
  int32_t bos_id = -1;           // -1: none
  std::vector<int32_t> eos_ids;  // generation stops on any of these
};

}  // namespace reach::run
