#pragma once
// A forward pass on an accelerator (today CUDA: model/cuda_forward.cpp).
// Model keeps the one CPU forward and hands a batch here when the model
// runs on a GPU. The host checks the batch, works out each token's position
// and rotation (the same rope_cos_sin bits as the CPU forward) and which
// rows want logits; the device does the rest, with weights, KV cache and
// activations in its own memory: what crosses is the batch going in and the
// logits coming out.
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "formats/model_source.h"
#include "model/kv_cache.h"

namespace reach::run {

// Which positions of a batch get logits: the last only (what generation
// needs: one lm_head GEMV), or all of them (one lm_head GEMM).
enum class Logits { Last, All };

// Called with each layer's attention output {n, n_heads*head_dim}, before
// o_proj: what head importance measures.
using AttentionProbe = std::function<void(int32_t layer, std::span<const float> att, int64_t n)>;

// A run of consecutive tokens of one batch that continue one cache.
struct CacheSegment {
  KVCache* cache;
  int64_t n;
};

struct DeviceBatch {
  std::span<const int32_t> tokens;          // {n}, checked against the vocabulary
  std::span<const CacheSegment> segments;   // in token order, each fits its cache
  std::span<const float> cos, sin;          // {n, head_dim/2}
  std::span<const int64_t> logit_rows;      // the tokens whose logits are returned, in order
  const std::vector<std::vector<int32_t>>* masked_heads;  // [layer] heads zeroed, or empty
  const AttentionProbe* probe;                            // empty: none
};

class DeviceForward {
 public:
  virtual ~DeviceForward() = default;
  // "NVIDIA H200 (cuda:0, 132 SMs, 139.8 GiB)".
  virtual std::string description() const = 0;
  // A cache in the device's memory.
  virtual KVCache make_cache(int64_t capacity) = 0;
  // Runs the batch, advances each segment's cache, and returns
  // {logit_rows, vocab} in host memory, valid until the next call.
  virtual std::span<const float> forward(const DeviceBatch& batch) = 0;
  virtual size_t weight_bytes_per_token() const = 0;
  virtual DType main_weight_type() const = 0;
};

// Uploads the model's weights to GPU `index`, tensor by tensor. Throws
// DeviceError (kernels/device_error.h) when there is no usable GPU or it
// lacks the memory, or in a build without CUDA; FormatError naming a tensor
// whose type or shape has no CUDA kernel; MemoryBudgetExceeded past
// --max-memory.
std::unique_ptr<DeviceForward> make_cuda_forward(const ModelSource& source, int index);

}  // namespace reach::run
