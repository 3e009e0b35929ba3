#pragma once
// One training step of LoRA adapters on a frozen Llama-family model: the
// forward over a batch of windows with what the backward needs saved, the
// mean next-token cross-entropy, and the backward through the output head,
// the final RMSNorm and every layer (RMSNorm, q/k/v with Qwen2's biases
// and Qwen3's q/k norms, RoPE, causal grouped-query attention, o, SwiGLU,
// the residuals) into the adapters' A and B. The base weights get no
// gradient and are read as stored (frozen_linear.h).
//
// Gradient checkpointing keeps only each layer's input during the forward
// and recomputes the layer's activations just before its backward: the
// same code on the same inputs, so the gradients are bit-identical with it
// on and off, and the memory of the saved activations is one layer's
// instead of every layer's.
//
// T is float for training; double gives the tests a forward they can take
// central finite differences of.
#include <cstdint>
#include <memory>
#include <span>
#include <utility>
#include <vector>

#include "formats/model_source.h"
#include "kernels/thread_pool.h"
#include "train/lora_params.h"

namespace reach::run::train {

template <class T>
class LoraTrainer {
 public:
  // `params`: the pairs being trained, each naming a weight of `source`
  // (q/k/v/o/gate/up/down of a layer); they must outlive the trainer.
  // Throws std::invalid_argument naming a pair that fits no weight.
  LoraTrainer(const ModelSource& source, std::vector<LoraParams<T>>& params, ThreadPool& pool);
  ~LoraTrainer();

  // `windows` {batch, ctx + 1} token ids: each window's tokens [0, ctx) are
  // the input and [1, ctx] the labels. Returns the mean cross-entropy and
  // sets every pair's grad_a and grad_b to its gradient.
  double step(std::span<const int32_t> windows, int64_t batch, bool checkpointing);
  // The loss alone (the finite differences' function).
  double loss(std::span<const int32_t> windows, int64_t batch);

  // Heads whose attention output is zeroed from now on, as Model::mask_heads
  // zeroes them (pruned heads: the adapters learn around them). Throws
  // std::out_of_range naming a pair outside the model.
  void mask_heads(const std::vector<std::pair<int32_t, int32_t>>& heads);

  // Bytes the saved activations of a step take (the memory plan).
  static size_t activation_bytes(const ModelConfig& c, int64_t batch, int64_t ctx, bool checkpointing);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace reach::run::train
