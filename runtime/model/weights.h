#pragma once
// The model's parameters. Matrices are WeightMatrix: views into the file
// mapping that the ModelSource owns (F32/F16/BF16, zero-copy) or a copy
// repacked once for the kernel (Q8_0/Q4_0), each with the kernel for its
// storage type, chosen once here. Vectors (norms, biases) are a few KiB per
// layer and are expanded to F32 so the per-row ops need only one
// implementation.
#include <cstdint>
#include <vector>

#include "formats/model_source.h"
#include "kernels/matmul.h"

namespace reach::run {

// A weight matrix {out, in} and the kernel that multiplies by it.
using Linear = WeightMatrix;

struct LayerWeights {
  std::vector<float> attn_norm;  // {dim}           input_layernorm
  Linear q;                      // {n_heads*head_dim, dim}
  Linear k;                      // {n_kv_heads*head_dim, dim}
  Linear v;                      // {n_kv_heads*head_dim, dim}
  std::vector<float> q_bias;     // {n_heads*head_dim}     Qwen2 only, else empty
  std::vector<float> k_bias;     // {n_kv_heads*head_dim}  Qwen2 only
  std::vector<float> v_bias;     // {n_kv_heads*head_dim}  Qwen2 only
  std::vector<float> q_norm;     // {head_dim}             Qwen3 only
  std::vector<float> k_norm;     // {head_dim}             Qwen3 only
  Linear o;                      // {dim, n_heads*head_dim}
  std::vector<float> ffn_norm;   // {dim}           post_attention_layernorm
  Linear gate;                   // {ffn_dim, dim}
  Linear up;                     // {ffn_dim, dim}
  Linear down;                   // {dim, ffn_dim}
};

struct Weights {
  PackedStorage packed;               // the Q8_0/Q4_0 matrices below, repacked; first, so it outlives them
  const TensorView* embed = nullptr;  // {vocab, dim}, rows read one token at a time
  std::vector<LayerWeights> layers;   // n_layers
  std::vector<float> final_norm;      // {dim}
  Linear lm_head;                     // {vocab, dim}; the embedding itself when tied
};

// What one decode step streams from memory: every matrix once (the
// embedding contributes only its one row, unless it is also the lm_head).
// The bandwidth roofline is bandwidth / this.
size_t weight_bytes_per_token(const Weights& w);
// The dominant storage type of the matrices (by bytes), for reports.
DType main_weight_type(const Weights& w);

// Looks up every tensor the config calls for, checks its shape and packs the
// matrices for their kernels (on `pool`); throws FormatError naming the model
// path and the tensor when one is missing, has the wrong shape, or is stored
// in a type without a kernel.
Weights load_weights(const ModelSource& source, ThreadPool& pool);

}  // namespace reach::run
