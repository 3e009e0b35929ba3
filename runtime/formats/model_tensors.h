#pragma once
// The tensors a ModelConfig implies, under their canonical names (see
// model_source.h) with the shapes the config gives them: what a loader
// checks a file against, and what a converter writes, in one list.
#include <cstdint>
#include <string>
#include <vector>

#include "formats/model_config.h"

namespace reach::run {

struct TensorShape {
  std::string name;
  std::vector<int64_t> shape;  // outermost first
};

// The embedding, the final norm and lm_head (unless tied), then each
// layer's tensors in checkpoint order (q/k/v biases for Qwen2, q/k norms for
// Qwen3). rope_freqs.weight, which only GGUF files carry, is not listed.
std::vector<TensorShape> model_tensors(const ModelConfig& config);

// The tensors as checkpoints and GGUF files store them: model_tensors, but
// for Phi-3 q/k/v as one self_attn.qkv_proj (rows q, k, v) and gate/up as
// one mlp.gate_up_proj (rows gate, up), which the loaders split into views.
std::vector<TensorShape> stored_tensors(const ModelConfig& config);

}  // namespace reach::run
