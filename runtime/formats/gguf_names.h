#pragma once
// llama.cpp's tensor names (blk.0.attn_q.weight) and the canonical Hugging
// Face names ModelSource presents (model.layers.0.self_attn.q_proj.weight):
// the GGUF loader reads through one direction, the GGUF writers write
// through the other, and messages name a tensor as its file spells it.
#include <string>

namespace reach::run {

// "" when llama.cpp's name has no canonical counterpart reach-run uses.
std::string canonical_name(const std::string& gguf_name);
// The same in a file of general.architecture `gguf_arch`: llama.cpp's phi3
// keeps gate and up fused in ffn_up, Phi-3's gate_up_proj.
std::string canonical_name(const std::string& gguf_name, const std::string& gguf_arch);
// llama.cpp's name for a canonical one; the name itself when it has none.
std::string gguf_name(const std::string& canonical);

}  // namespace reach::run
