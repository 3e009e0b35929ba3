#include "formats/gguf_names.h"

#include <utility>

namespace reach::run {
namespace {

// llama.cpp's per-layer tensor names -> Hugging Face's.
constexpr std::pair<const char*, const char*> kLayerNames[] = {
    {"attn_norm.weight", "input_layernorm.weight"},
    {"attn_q.weight", "self_attn.q_proj.weight"},
    {"attn_k.weight", "self_attn.k_proj.weight"},
    {"attn_v.weight", "self_attn.v_proj.weight"},
    {"attn_qkv.weight", "self_attn.qkv_proj.weight"},  // Phi-3's fused q, k, v
    {"attn_q.bias", "self_attn.q_proj.bias"},
    {"attn_k.bias", "self_attn.k_proj.bias"},
    {"attn_v.bias", "self_attn.v_proj.bias"},
    {"attn_output.weight", "self_attn.o_proj.weight"},
    {"attn_q_norm.weight", "self_attn.q_norm.weight"},
    {"attn_k_norm.weight", "self_attn.k_norm.weight"},
    {"ffn_norm.weight", "post_attention_layernorm.weight"},
    {"ffn_gate.weight", "mlp.gate_proj.weight"},
    {"ffn_up.weight", "mlp.up_proj.weight"},
    {"ffn_down.weight", "mlp.down_proj.weight"},
    // Phi-3's fused gate and up: the file says ffn_up (canonical_name gives
    // up_proj, the entry above; GgufSource renames it for phi3).
    {"ffn_up.weight", "mlp.gate_up_proj.weight"},
};
constexpr std::pair<const char*, const char*> kGlobalNames[] = {
    {"token_embd.weight", "model.embed_tokens.weight"},
    {"output_norm.weight", "model.norm.weight"},
    {"output.weight", "lm_head.weight"},
    {"rope_freqs.weight", "rope_freqs.weight"},
};

}  // namespace

std::string canonical_name(const std::string& gguf_name) {
  for (const auto& [from, to] : kGlobalNames) {
    if (gguf_name == from) return to;
  }
  if (gguf_name.rfind("blk.", 0) != 0) return "";
  const size_t dot = gguf_name.find('.', 4);
  if (dot == std::string::npos || dot == 4) return "";
  const std::string layer = gguf_name.substr(4, dot - 4);
  if (layer.find_first_not_of("0123456789") != std::string::npos) return "";
  const std::string rest = gguf_name.substr(dot + 1);
  for (const auto& [from, to] : kLayerNames) {
    if (rest == from) return "model.layers." + layer + "." + to;
  }
  return "";
}

std::string gguf_name(const std::string& canonical) {
  for (const auto& [from, to] : kGlobalNames) {
    if (canonical == to) return from;
  }
  const std::string prefix = "model.layers.";
  if (canonical.rfind(prefix, 0) != 0) return canonical;
  const size_t dot = canonical.find('.', prefix.size());
  if (dot == std::string::npos) return canonical;
  const std::string rest = canonical.substr(dot + 1);
  for (const auto& [from, to] : kLayerNames) {
    if (rest == to) return "blk." + canonical.substr(prefix.size(), dot - prefix.size()) + "." + from;
  }
  return canonical;
}

std::string canonical_name(const std::string& gguf_name, const std::string& gguf_arch) {
  std::string name = canonical_name(gguf_name);
  if (gguf_arch == "phi3" && name.ends_with(".mlp.up_proj.weight"))
    name.replace(name.size() - std::string("up_proj.weight").size(), std::string::npos, "gate_up_proj.weight");
  return name;
}

}  // namespace reach::run
