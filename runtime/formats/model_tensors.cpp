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

std::vector<TensorShape> stored_tensors(const ModelConfig& c) {
  std::vector<TensorShape> out = model_tensors(c);
  if (c.arch != Arch::Phi3) return out;
  const int64_t qkv_rows = int64_t{c.n_heads + 2 * c.n_kv_heads} * c.head_dim;
  std::vector<TensorShape> stored;
  for (TensorShape& t : out) {
    const std::string layer = t.name.substr(0, t.name.find('.', std::string("model.layers.").size()) + 1);
    if (t.name.ends_with(".self_attn.q_proj.weight"))
      stored.push_back({layer + "self_attn.qkv_proj.weight", {qkv_rows, c.dim}});
    else if (t.name.ends_with(".mlp.gate_proj.weight"))
      stored.push_back({layer + "mlp.gate_up_proj.weight", {2 * int64_t{c.ffn_dim}, c.dim}});
    else if (!t.name.ends_with(".self_attn.k_proj.weight") && !t.name.ends_with(".self_attn.v_proj.weight") &&
             !t.name.ends_with(".mlp.up_proj.weight"))
      stored.push_back(std::move(t));  // parts of the fused ones are dropped
  }
  return stored;
}

}  // namespace reach::run
