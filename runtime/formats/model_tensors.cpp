#include "formats/model_tensors.h"

namespace reach::run {
namespace {

void add_layer(const ModelConfig& c, int32_t i, std::vector<TensorShape>& out) {
  const int64_t q_dim = int64_t{c.n_heads} * c.head_dim;
  const int64_t kv_dim = int64_t{c.n_kv_heads} * c.head_dim;
  const std::string l = "model.layers." + std::to_string(i) + ".";
  out.push_back({l + "input_layernorm.weight", {c.dim}});
  out.push_back({l + "self_attn.q_proj.weight", {q_dim, c.dim}});
  out.push_back({l + "self_attn.k_proj.weight", {kv_dim, c.dim}});
  out.push_back({l + "self_attn.v_proj.weight", {kv_dim, c.dim}});
  if (c.qkv_bias) {
    out.push_back({l + "self_attn.q_proj.bias", {q_dim}});
    out.push_back({l + "self_attn.k_proj.bias", {kv_dim}});
    out.push_back({l + "self_attn.v_proj.bias", {kv_dim}});
  }
  out.push_back({l + "self_attn.o_proj.weight", {c.dim, q_dim}});
  if (c.qk_norm) {
    out.push_back({l + "self_attn.q_norm.weight", {c.head_dim}});
    out.push_back({l + "self_attn.k_norm.weight", {c.head_dim}});
  }
  out.push_back({l + "post_attention_layernorm.weight", {c.dim}});
  out.push_back({l + "mlp.gate_proj.weight", {c.ffn_dim, c.dim}});
  out.push_back({l + "mlp.up_proj.weight", {c.ffn_dim, c.dim}});
  out.push_back({l + "mlp.down_proj.weight", {c.dim, c.ffn_dim}});
}

}  // namespace

std::vector<TensorShape> model_tensors(const ModelConfig& c) {
  std::vector<TensorShape> out = {{"model.embed_tokens.weight", {c.vocab_size, c.dim}},
                                  {"model.norm.weight", {c.dim}}};
  if (!c.tied_embeddings) out.push_back({"lm_head.weight", {c.vocab_size, c.dim}});
  for (int32_t i = 0; i < c.n_layers; ++i) add_layer(c, i, out);
  return out;
}

}  // namespace reach::run
