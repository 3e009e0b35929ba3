#pragma once
// A Llama-family decoder (Llama, Mistral, Qwen2, Qwen3) over weights viewed
// in a ModelSource. `forward` runs a batch of new tokens through every layer,
// appending their keys and values to the cache, and returns the logits of
// the last one (generation: the whole prompt in one call (GEMM), then one
// token per call (GEMV)), or of every one (perplexity).
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <span>
#include <utility>
#include <vector>

#include "formats/model_source.h"
#include "kernels/thread_pool.h"
#include "lora/lora_adapter.h"
#include "model/device.h"
#include "model/device_forward.h"
#include "model/kv_cache.h"
#include "model/memory_account.h"
#include "model/weights.h"

namespace reach::run {

// The rotation frequencies {head_dim/2}: from config.json's rope_scaling,
// or, in GGUF, from rope_freqs.weight, where llama.cpp's converter stores
// the Llama-3 scaling as one divisor per frequency.
std::vector<float> rope_frequencies(const ModelSource& source);

class Model {
 public:
  // `source` and `pool` must outlive the model. On a GPU (`device`), the
  // weights go to its memory and the CPU keeps none (make_cuda_forward's
  // errors: no usable GPU, a type without a CUDA kernel, too little memory).
  Model(const ModelSource& source, ThreadPool& pool, Device device = {});

  const ModelConfig& config() const { return config_; }
  // "cpu", or the GPU's description.
  std::string device_description() const { return device_ ? device_->description() : "cpu"; }
  // What one decode step streams from memory, and the main storage type.
  size_t weight_bytes_per_token() const;
  DType main_weight_type() const;
  // The CPU memory decode streams those weights from (Weights::streamed):
  // what `reach-run bench --roofline` reads. Empty on a GPU.
  std::span<const std::span<const std::byte>> weight_memory() const {
    if (device_) return {};
    return weights_.streamed;
  }
  // A cache in the memory of the device the model runs on; of `type` F32
  // or F16 on the CPU, F32 on a GPU (else std::invalid_argument).
  KVCache make_cache(int64_t capacity, DType type = DType::F32) const {
    if (device_ && type != DType::F32)
      throw std::invalid_argument("a KV cache of " + std::string(type_traits(type).name) + " on " +
                                  device_description() + ": the GPU backend's cache is F32");
    return device_ ? device_->make_cache(capacity) : KVCache(config_, capacity, type);
  }

  // Tokens sit at positions cache.length() onward. Returns {vocab} logits of
  // the last token, or {n, vocab} of every token with Logits::All, valid
  // until the next call. Throws std::out_of_range for a token id outside the
  // vocabulary or a batch that does not fit the cache.
  std::span<const float> forward(std::span<const int32_t> tokens, KVCache& cache, Logits which = Logits::Last);

  // One new token for each of several sequences, each continuing its own
  // cache: the server's decode step, one pass over the weights (a GEMM) for
  // all of them. Returns {n, vocab}: row i is sequence i's next-token logits.
  // Each row computes what `forward` computes for that sequence alone.
  std::span<const float> forward_each(std::span<const int32_t> tokens, std::span<KVCache* const> caches);

  // Called with each layer's attention output {n, n_heads*head_dim}, before
  // o_proj: what head importance measures. Empty (the default): no call.
  void set_attention_probe(AttentionProbe probe) { attention_probe_ = std::move(probe); }

  // Heads whose attention output is zeroed from now on, as if their slices
  // of q and o were pruned: {layer, head} pairs. Throws std::out_of_range
  // naming a pair outside the model. An empty list unmasks every head.
  void mask_heads(const std::vector<std::pair<int32_t, int32_t>>& heads);

  // Adds a LoRA adapter (load_lora, fitted to this model's source): from
  // now on each matrix it targets computes x · (W + scale·B·A)ᵀ, W as
  // stored (quantized or not) and the update added at run time. Several
  // adapters add up. Throws std::invalid_argument on a GPU (adapters run on
  // the CPU only) or for an update whose shape is not its matrix's.
  void add_lora(LoraAdapter adapter);

 private:
  using Segment = CacheSegment;
  std::span<const float> forward_segments(std::span<const int32_t> tokens, std::span<const Segment> segments,
                                          Logits which);
  void store_kv(std::span<const Segment> segments, int32_t layer, const float* k, const float* v);
  // fn(begin, end) over token rows [0, n) of `width` floats each: the
  // per-row ops between the products (norms, rotations, SwiGLU, residual
  // adds), on the pool for a batch, on the caller for a few rows.
  template <class Fn>
  void each_row(int64_t n, int64_t width, const Fn& fn);
  // x += y and out = RMSNorm(x) · weight, for n rows of the residual stream.
  void add_residual(float* x, const float* y, int64_t n);
  void norm_rows(const float* x, const std::vector<float>& weight, float* out, int64_t n);
  void position_qkv(const LayerWeights& w, int64_t t);

  // Scratch for a batch of n tokens, grown on demand and reused.
  struct Activations {
    static AccountedAllocator<float> counted_as(const char* what) { return AccountedAllocator<float>(what); }
    AccountedVector<float> x{counted_as("activations")};            // {n, dim}        the residual stream
    AccountedVector<float> xb{counted_as("activations")};           // {n, dim}        normed input / block output
    AccountedVector<float> q{counted_as("activations")};            // {n, n_heads*head_dim}
    AccountedVector<float> k{counted_as("activations")};            // {n, n_kv_heads*head_dim}  new keys, then into the caches
    AccountedVector<float> v{counted_as("activations")};            // {n, n_kv_heads*head_dim}  and their values
    AccountedVector<float> att{counted_as("activations")};          // {n, n_heads*head_dim}  attention output
    AccountedVector<float> gate{counted_as("activations")};         // {n, ffn_dim}
    AccountedVector<float> up{counted_as("activations")};           // {n, ffn_dim}
    AccountedVector<float> cos{counted_as("activations")};          // {n, head_dim/2} rotation of each new position
    AccountedVector<float> sin{counted_as("activations")};          // {n, head_dim/2}
    AccountedVector<float> logits{counted_as("logits")};            // {logit_rows, vocab}
    void resize(const ModelConfig& c, int64_t n, int64_t logit_rows);
  };

  // The LoRA updates of one layer's matrices (none: empty lists).
  using Deltas = std::vector<const LoraDelta*>;
  struct LayerDeltas {
    Deltas q, k, v, o, gate, up, down;
  };

  // y = x · Wᵀ for n rows of x: GEMV for one token, GEMM for a batch; then
  // each LoRA update added. `rows_as_alone`: each row must have the bits it
  // has alone (tokens of different sequences); where the GEMM would round
  // otherwise, row by row.
  void linear(const Linear& l, const Deltas& deltas, const float* x, int64_t n, float* y, bool rows_as_alone = false);
  // linear() for several matrices of the same x (q, k and v; gate and up),
  // their products in one pass of the threads where the kernels allow it
  // (WeightMatrix::gemm_each): each y gets what linear() gives it.
  struct LinearOut {
    const Linear* l;
    const Deltas* deltas;
    float* y;
  };
  void linear_each(std::initializer_list<LinearOut> outs, const float* x, int64_t n, bool rows_as_alone);
  void add_deltas(const Deltas& deltas, const float* x, int64_t n, float* y, int64_t in, int64_t out,
                  bool rows_as_alone);

  const ModelSource& source_;
  ModelConfig config_;
  RopeStyle rope_style_;
  Weights weights_;
  std::vector<float> rope_inv_freq_;  // {head_dim/2}
  ThreadPool& pool_;
  Activations act_;
  AttentionProbe attention_probe_;
  std::vector<std::vector<int32_t>> masked_heads_;  // [layer] heads whose output is zeroed
  std::vector<std::unique_ptr<LoraAdapter>> adapters_;  // owns what lora_ points into
  std::vector<LayerDeltas> lora_;                   // [layer], or empty without adapters
  std::unique_ptr<DeviceForward> device_;           // the forward on a GPU, or null: this one
};

}  // namespace reach::run
