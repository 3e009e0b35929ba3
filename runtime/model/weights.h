#pragma once
// The model's parameters. Matrices are WeightMatrix: views into the file
// mapping that the ModelSource owns (F32/F16/BF16, zero-copy) or a copy
// repacked once for the kernel (Q8_0/Q4_0), each with the kernel for its
// storage type, chosen once here. Vectors (norms, biases) are a few KiB per
// layer and are expanded to F32 so the per-row ops need only one
// implementation.
#include <cstdint>
#include <span>
#include <vector>

#include "formats/model_source.h"
#include "kernels/matmul.h"

namespace reach::run {

// A weight matrix {out, in} and the kernel that multiplies by it.
using Linear = WeightMatrix;

// One layer's parameters, with each matrix as `Matrix`: a TensorView in the
// file (found, not yet loaded), a Linear for the CPU kernels, or a matrix in
// GPU memory. The one list of the fields, whatever holds them.
template <class Matrix>
struct LayerOf {
  std::vector<float> attn_norm;  // {dim}           input_layernorm
  Matrix q;                      // {n_heads*head_dim, dim}
  Matrix k;                      // {n_kv_heads*head_dim, dim}
  Matrix v;                      // {n_kv_heads*head_dim, dim}
  std::vector<float> q_bias;     // {n_heads*head_dim}     Qwen2 only, else empty
  std::vector<float> k_bias;     // {n_kv_heads*head_dim}  Qwen2 only
  std::vector<float> v_bias;     // {n_kv_heads*head_dim}  Qwen2 only
  std::vector<float> q_norm;     // {head_dim}             Qwen3 only
  std::vector<float> k_norm;     // {head_dim}             Qwen3 only
  Matrix o;                      // {dim, n_heads*head_dim}
  std::vector<float> ffn_norm;   // {dim}           post_attention_layernorm
  Matrix gate;                   // {ffn_dim, dim}
  Matrix up;                     // {ffn_dim, dim}
  Matrix down;                   // {dim, ffn_dim}
};
using LayerWeights = LayerOf<Linear>;

// Calls fn on each matrix of a layer, in the order the forward uses them.
template <class Layer, class Fn>
void for_each_layer_matrix(Layer& l, Fn fn) {
  for (auto* m : {&l.q, &l.k, &l.v, &l.o, &l.gate, &l.up, &l.down}) fn(*m);
}

// Every parameter the config calls for, found in the file and shape-checked:
// vectors read (as F32), matrices still views into the file. What a backend
// loads its weights from.
struct WeightViews {
  const TensorView* embed = nullptr;            // {vocab, dim}
  std::vector<LayerOf<const TensorView*>> layers;
  std::vector<float> final_norm;                // {dim}
  const TensorView* lm_head = nullptr;          // {vocab, dim}; == embed when tied
};
// Throws FormatError naming the model path and the tensor when one is
// missing, has the wrong shape, or is a vector stored block-quantized.
WeightViews find_weights(const ModelSource& source);

struct Weights {
  PackedStorage packed;               // the Q8_0/Q4_0 matrices below, repacked; first, so it outlives them
  const TensorView* embed = nullptr;  // {vocab, dim}, rows read one token at a time
  std::vector<LayerWeights> layers;   // n_layers
  std::vector<float> final_norm;      // {dim}
  Linear lm_head;                     // {vocab, dim}; the embedding itself when tied
  size_t bytes_per_token = 0;         // weight_bytes_per_token of the views they came from
  DType main_type = DType::F32;       // main_weight_type of the same
  // The memory decode streams its matrices from: the packed ones' piece of
  // `packed`, then the file rows of each read in place (F32/F16/BF16).
  std::vector<std::span<const std::byte>> streamed;
};

// What one decode step streams from memory: every matrix once (the
// embedding contributes only its one row, unless it is also the lm_head).
// The bandwidth roofline is bandwidth / this.
size_t weight_bytes_per_token(const WeightViews& w);
// The dominant storage type of the matrices (by bytes), for reports.
DType main_weight_type(const WeightViews& w);

// find_weights, then the matrices packed for their CPU kernels (on `pool`);
// throws FormatError as find_weights does, or naming a matrix stored in a
// type without a kernel.
Weights load_weights(const ModelSource& source, ThreadPool& pool);

}  // namespace reach::run
