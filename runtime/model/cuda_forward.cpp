// The forward pass on a CUDA GPU: Model::forward_segments (model.cpp) step
// for step, each op the CUDA twin of the CPU op (kernels/cuda), with the
// weights uploaded once, the KV caches and activations in GPU memory, and
// one stream, so nothing waits for the host inside a pass.
#include <cuda_runtime_api.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "formats/format_error.h"
#include "kernels/cuda/block_codes.h"
#include "kernels/cuda/cuda_ops.h"
#include "kernels/cuda/device.h"
#include "kernels/cuda/matmul.h"
#include "model/device_forward.h"
#include "model/memory_account.h"
#include "model/weights.h"

namespace reach::run {

namespace {

using cuda::DeviceBuffer;
using cuda::DeviceMatrix;

// A DeviceBuffer whose bytes are counted in the GPU's account first (under
// --max-memory), and given back with it.
class CountedBuffer {
 public:
  CountedBuffer() = default;
  CountedBuffer(size_t bytes, const char* what) {
    MemoryAccount::gpu().reserve(bytes, what);
    try {
      buffer_ = DeviceBuffer(bytes, what);
    } catch (...) {
      MemoryAccount::gpu().release(bytes);
      throw;
    }
  }
  CountedBuffer(CountedBuffer&& o) noexcept = default;
  CountedBuffer& operator=(CountedBuffer&& o) noexcept {
    MemoryAccount::gpu().release(buffer_.size());
    buffer_ = std::move(o.buffer_);
    return *this;
  }
  ~CountedBuffer() { MemoryAccount::gpu().release(buffer_.size()); }
  DeviceBuffer& buffer() { return buffer_; }
  template <class T>
  T* as() const {
    return buffer_.as<T>();
  }

 private:
  DeviceBuffer buffer_;
};

// Grows `b` to `count` values of T; keeps it when it is large enough.
template <class T>
T* grown(CountedBuffer& b, int64_t count, const char* what) {
  const auto bytes = static_cast<size_t>(count) * sizeof(T);
  if (b.buffer().size() < bytes) b = CountedBuffer(bytes, what);
  return b.as<T>();
}

size_t round_up(size_t n) { return (n + 255) / 256 * 256; }

// One layer's parameters in GPU memory: the matrices, and the vectors as F32.
struct DeviceLayer {
  LayerOf<DeviceMatrix> m;  // only the matrices of it are used
  const float* attn_norm = nullptr;
  const float* q_bias = nullptr;
  const float* k_bias = nullptr;
  const float* v_bias = nullptr;
  const float* q_norm = nullptr;
  const float* k_norm = nullptr;
  const float* ffn_norm = nullptr;
};

// The forward's stream on GPU `index`, destroyed after everything queued on it.
class Stream {
 public:
  explicit Stream(int index) {
    cuda::use_device(index);
    cuda::check(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "creating a CUDA stream");
  }
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  ~Stream() {
    cudaStreamSynchronize(stream_);
    cudaStreamDestroy(stream_);
  }
  operator cudaStream_t() const { return stream_; }

 private:
  cudaStream_t stream_ = nullptr;
};

class CudaForward final : public DeviceForward {
 public:
  CudaForward(const ModelSource& source, int index);

  std::string description() const override { return description_; }
  KVCache make_cache(int64_t capacity) override;
  std::span<const float> forward(const DeviceBatch& batch) override;
  size_t weight_bytes_per_token() const override { return bytes_per_token_; }
  DType main_weight_type() const override { return main_type_; }

 private:
  void upload_weights(const ModelSource& source, const WeightViews& views);
  void linear(const DeviceMatrix& w, const float* x, int64_t n, float* y, bool rows_as_alone) {
    matmul_(w, x, n, y, rows_as_alone);
  }

  ModelConfig config_;
  RopeStyle rope_style_;
  std::string description_;
  size_t bytes_per_token_ = 0;
  DType main_type_ = DType::F32;
  Stream stream_;  // before what uses it, so destroyed after
  CountedBuffer weights_;  // every parameter, one allocation
  DeviceMatrix embed_, lm_head_;
  const float* final_norm_ = nullptr;
  std::vector<DeviceLayer> layers_;
  cuda::Matmul matmul_;

  // Scratch for a batch of n tokens, grown on demand (shapes as in model.h).
  CountedBuffer ids_, cos_, sin_, x_, xb_, q_, k_, v_, att_, gate_, up_, logits_;
  std::vector<float> host_logits_;  // {logit_rows, vocab}
  std::vector<float> host_att_;     // for the attention probe
};

CudaForward::CudaForward(const ModelSource& source, int index)
    : config_(source.config()),
      rope_style_(source.rope_style()),
      description_((cuda::use_device(index), cuda::device_description(index))),
      stream_(index),
      matmul_(stream_) {
  if (!cuda::attention_supports(config_.head_dim))
    throw FormatError(source.path().string(), "head_dim " + std::to_string(config_.head_dim) +
                                                   " has no CUDA attention kernel (multiples of 32 up to 256)");
  const WeightViews views = find_weights(source);
  bytes_per_token_ = reach::run::weight_bytes_per_token(views);
  main_type_ = reach::run::main_weight_type(views);
  upload_weights(source, views);
}

// Two passes over the same list: the first sizes one allocation and notes
// where each tensor goes, the second copies each tensor there, through a
// host staging buffer of one matrix at most (repacked types) or straight
// from the file mapping, whose pages are then dropped.
void CudaForward::upload_weights(const ModelSource& source, const WeightViews& views) {
  struct Matrix {
    const TensorView* view;
    DeviceMatrix* slot;
    size_t offset;
  };
  struct Vector {
    const std::vector<float>* values;
    const float** slot;
    size_t offset;
  };
  std::vector<Matrix> matrices;
  std::vector<Vector> vectors;
  size_t total = 0;
  auto matrix = [&](const TensorView* t, DeviceMatrix* slot) {
    if (!cuda::has_device_kernel(t->dtype) || t->cols() % 32 != 0)
      throw FormatError(source.path().string(), "tensor '" + t->name + "' (" +
                                                    std::string(type_traits(t->dtype).name) +
                                                    ") has no CUDA kernel (F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, "
                                                    "Q2_K .. Q6_K; rows of 32k)");
    matrices.push_back({t, slot, total});
    total += round_up(cuda::device_matrix_bytes(t->dtype, t->rows(), t->cols()));
  };
  auto vector = [&](const std::vector<float>& v, const float** slot) {
    if (v.empty()) return;
    vectors.push_back({&v, slot, total});
    total += round_up(v.size() * sizeof(float));
  };

  matrix(views.embed, &embed_);
  layers_.resize(views.layers.size());
  for (size_t i = 0; i < views.layers.size(); ++i) {
    const LayerOf<const TensorView*>& from = views.layers[i];
    DeviceLayer& to = layers_[i];
    std::vector<DeviceMatrix*> slots;
    for_each_layer_matrix(to.m, [&](DeviceMatrix& m) { slots.push_back(&m); });
    size_t k = 0;
    for_each_layer_matrix(from, [&](const TensorView* t) { matrix(t, slots[k++]); });
    for (auto [v, slot] : {std::pair{&from.attn_norm, &to.attn_norm}, {&from.q_bias, &to.q_bias},
                           {&from.k_bias, &to.k_bias}, {&from.v_bias, &to.v_bias}, {&from.q_norm, &to.q_norm},
                           {&from.k_norm, &to.k_norm}, {&from.ffn_norm, &to.ffn_norm}})
      vector(*v, slot);
  }
  vector(views.final_norm, &final_norm_);
  const bool tied = views.lm_head == views.embed;
  if (!tied) matrix(views.lm_head, &lm_head_);

  weights_ = CountedBuffer(total, "the GPU weights");
  std::byte* base = weights_.as<std::byte>();
  std::vector<std::byte> staging;
  for (const Matrix& m : matrices) {
    const TensorView& t = *m.view;
    const size_t bytes = cuda::device_matrix_bytes(t.dtype, t.rows(), t.cols());
    const std::byte* from = t.data;
    if (type_traits(t.dtype).quantized() && !cuda::codes::in_file_layout(t.dtype)) {  // else the file's rows
      staging.resize(std::max(staging.size(), bytes));
      cuda::repack_for_device(t.dtype, t.rows(), t.cols(), t.data, staging.data());
      from = staging.data();
    }
    weights_.buffer().upload(from, bytes, m.offset);
    source.drop_pages(t);
    *m.slot = DeviceMatrix{t.dtype, t.rows(), t.cols(), base + m.offset};
  }
  for (const Vector& v : vectors) {
    weights_.buffer().upload(v.values->data(), v.values->size() * sizeof(float), v.offset);
    *v.slot = reinterpret_cast<const float*>(base + v.offset);
  }
  if (tied) lm_head_ = embed_;
}

KVCache CudaForward::make_cache(int64_t capacity) {
  const size_t half = KVCache::bytes_for(config_, capacity) / 2;
  auto memory = std::make_shared<std::pair<CountedBuffer, CountedBuffer>>(CountedBuffer(half, "the GPU KV cache"),
                                                                         CountedBuffer(half, "the GPU KV cache"));
  cuda::check(cudaMemset(memory->first.as<float>(), 0, half), "clearing the GPU KV cache");
  cuda::check(cudaMemset(memory->second.as<float>(), 0, half), "clearing the GPU KV cache");
  return KVCache(config_, capacity, {memory->first.as<float>(), memory->second.as<float>(), memory});
}

std::span<const float> CudaForward::forward(const DeviceBatch& batch) {
  const ModelConfig& c = config_;
  const auto n = static_cast<int64_t>(batch.tokens.size());
  const auto n_rows = static_cast<int64_t>(batch.logit_rows.size());
  const bool staged = batch.segments.size() > 1;
  const int64_t dim = c.dim, hd = c.head_dim, q_dim = c.n_heads * hd, kv_dim = c.n_kv_heads * hd;
  const cudaStream_t s = stream_;

  auto* ids = grown<int32_t>(ids_, n, "the GPU activations");
  float* cosines = grown<float>(cos_, n * hd / 2, "the GPU activations");
  float* sines = grown<float>(sin_, n * hd / 2, "the GPU activations");
  float* x = grown<float>(x_, n * dim, "the GPU activations");
  float* xb = grown<float>(xb_, n * dim, "the GPU activations");
  float* q = grown<float>(q_, n * q_dim, "the GPU activations");
  float* att = grown<float>(att_, n * q_dim, "the GPU activations");
  float* gate = grown<float>(gate_, n * c.ffn_dim, "the GPU activations");
  float* up = grown<float>(up_, n * c.ffn_dim, "the GPU activations");
  float* logits = grown<float>(logits_, n_rows * c.vocab_size, "the GPU logits");
  float* staged_k = staged ? grown<float>(k_, n * kv_dim, "the GPU activations") : nullptr;
  float* staged_v = staged ? grown<float>(v_, n * kv_dim, "the GPU activations") : nullptr;
  cuda::check(cudaMemcpyAsync(ids, batch.tokens.data(), n * sizeof(int32_t), cudaMemcpyHostToDevice, s), "uploading tokens");
  cuda::check(cudaMemcpyAsync(cosines, batch.cos.data(), batch.cos.size_bytes(), cudaMemcpyHostToDevice, s), "uploading rotations");
  cuda::check(cudaMemcpyAsync(sines, batch.sin.data(), batch.sin.size_bytes(), cudaMemcpyHostToDevice, s), "uploading rotations");

  cuda::get_rows(embed_, ids, n, x, s);
  for (int32_t layer = 0; layer < c.n_layers; ++layer) {
    const DeviceLayer& w = layers_[static_cast<size_t>(layer)];
    KVCache& first = *batch.segments[0].cache;
    float* k = staged ? staged_k : first.keys(layer, first.length());
    float* v = staged ? staged_v : first.values(layer, first.length());

    // ---- attention block: x += o_proj(attention(rope(q), rope(k), v)) ----
    cuda::rmsnorm(x, w.attn_norm, xb, n, dim, c.rms_eps, s);
    linear(w.m.q, xb, n, q, staged);
    linear(w.m.k, xb, n, k, staged);
    linear(w.m.v, xb, n, v, staged);
    if (c.qkv_bias) {
      cuda::add_rows(q, w.q_bias, n, q_dim, s);
      cuda::add_rows(k, w.k_bias, n, kv_dim, s);
      cuda::add_rows(v, w.v_bias, n, kv_dim, s);
    }
    if (c.qk_norm) {
      cuda::rmsnorm(q, w.q_norm, q, n * c.n_heads, hd, c.rms_eps, s);
      cuda::rmsnorm(k, w.k_norm, k, n * c.n_kv_heads, hd, c.rms_eps, s);
    }
    cuda::rope(q, n, c.n_heads, c.head_dim, cosines, sines, rope_style_, s);
    cuda::rope(k, n, c.n_kv_heads, c.head_dim, cosines, sines, rope_style_, s);
    int64_t row = 0;
    for (const CacheSegment& seg : batch.segments) {
      KVCache& cache = *seg.cache;
      if (staged) {
        const size_t bytes = static_cast<size_t>(seg.n * kv_dim) * sizeof(float);
        cuda::check(cudaMemcpyAsync(cache.keys(layer, cache.length()), k + row * kv_dim, bytes,
                                    cudaMemcpyDeviceToDevice, s), "storing keys");
        cuda::check(cudaMemcpyAsync(cache.values(layer, cache.length()), v + row * kv_dim, bytes,
                                    cudaMemcpyDeviceToDevice, s), "storing values");
      }
      cuda::attention(q + row * q_dim, seg.n, cache.length(), cache.keys(layer, 0), cache.values(layer, 0),
                      {c.n_heads, c.n_kv_heads, c.head_dim}, att + row * q_dim, s);
      row += seg.n;
    }
    if (!batch.masked_heads->empty())
      for (int32_t h : (*batch.masked_heads)[static_cast<size_t>(layer)])
        cuda::check(cudaMemset2DAsync(att + h * hd, q_dim * sizeof(float), 0, hd * sizeof(float), n, s), "masking heads");
    if (*batch.probe) {
      host_att_.resize(static_cast<size_t>(n * q_dim));
      cuda::check(cudaMemcpyAsync(host_att_.data(), att, host_att_.size() * sizeof(float), cudaMemcpyDeviceToHost, s),
                  "reading attention for the probe");
      cuda::check(cudaStreamSynchronize(s), "reading attention for the probe");
      (*batch.probe)(layer, host_att_, n);
    }
    linear(w.m.o, att, n, xb, staged);
    cuda::add(x, xb, n * dim, s);

    // ---- feed-forward block: x += down(silu(gate(h)) * up(h)) ----
    cuda::rmsnorm(x, w.ffn_norm, xb, n, dim, c.rms_eps, s);
    linear(w.m.gate, xb, n, gate, staged);
    linear(w.m.up, xb, n, up, staged);
    cuda::silu_mul(gate, up, n * c.ffn_dim, s);
    linear(w.m.down, gate, n, xb, staged);
    cuda::add(x, xb, n * dim, s);
  }
  for (const CacheSegment& seg : batch.segments) seg.cache->advance(seg.n);

  // The rows that get logits, packed: one run of rows (all of them, or the
  // last of one segment, or one of each one-token segment), else one by one.
  const std::span<const int64_t> rows = batch.logit_rows;
  if (rows.back() - rows.front() == n_rows - 1) {
    cuda::rmsnorm(x + rows.front() * dim, final_norm_, xb, n_rows, dim, c.rms_eps, s);
  } else {
    for (int64_t r = 0; r < n_rows; ++r)
      cuda::rmsnorm(x + rows[static_cast<size_t>(r)] * dim, final_norm_, xb + r * dim, 1, dim, c.rms_eps, s);
  }
  linear(lm_head_, xb, n_rows, logits, staged);
  host_logits_.resize(static_cast<size_t>(n_rows * c.vocab_size));
  cuda::check(cudaMemcpyAsync(host_logits_.data(), logits, host_logits_.size() * sizeof(float), cudaMemcpyDeviceToHost, s),
              "reading the logits");
  cuda::check(cudaStreamSynchronize(s), "running the forward pass on the GPU");
  return host_logits_;
}

}  // namespace

std::unique_ptr<DeviceForward> make_cuda_forward(const ModelSource& source, int index) {
  return std::make_unique<CudaForward>(source, index);
}

}  // namespace reach::run
