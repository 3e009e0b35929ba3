// The forward pass on a CUDA GPU: Model::forward_segments (model.cpp) step
// for step, each op the CUDA twin of the CPU op (kernels/cuda), with the
// weights uploaded once, the KV caches and activations in GPU memory, and
// one stream, so nothing waits for the host inside a pass.
#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstdlib>
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

// Grows `b` to `count` values of T (counting the reallocation in
// `generation`); keeps it when it is large enough.
template <class T>
T* grown(CountedBuffer& b, int64_t count, const char* what, uint64_t& generation) {
  const auto bytes = static_cast<size_t>(count) * sizeof(T);
  if (b.buffer().size() < bytes) b = CountedBuffer(bytes, what), ++generation;
  return b.as<T>();
}

// A decode step captured as a CUDA graph, and what it was captured against:
// the cache it writes and the scratch it reads, by address. Replaying it
// runs the same kernels on the same buffers, so the same bits.
struct GraphKey {
  const float* keys = nullptr;
  const float* values = nullptr;
  int64_t capacity = 0;
  uint64_t scratch = 0, matmul_scratch = 0;
  int attention_splits = 1;  // baked into the graph: one is captured anew where it changes
  bool operator==(const GraphKey&) const = default;
};

class DecodeGraph {
 public:
  DecodeGraph() = default;
  DecodeGraph(const DecodeGraph&) = delete;
  DecodeGraph& operator=(const DecodeGraph&) = delete;
  ~DecodeGraph() { reset(); }
  bool holds(const GraphKey& key) const { return exec_ != nullptr && key_ == key; }
  void reset() {
    if (exec_) cudaGraphExecDestroy(exec_);
    exec_ = nullptr;
  }
  // Records what `enqueue` queues on `s` (nothing runs), as the graph for `key`.
  template <class F>
  void capture(cudaStream_t s, const GraphKey& key, F&& enqueue) {
    reset();
    cuda::check(cudaStreamBeginCapture(s, cudaStreamCaptureModeThreadLocal), "capturing the decode step");
    cudaGraph_t graph = nullptr;
    try {
      enqueue();
    } catch (...) {
      cudaStreamEndCapture(s, &graph);
      if (graph) cudaGraphDestroy(graph);
      throw;
    }
    cuda::check(cudaStreamEndCapture(s, &graph), "capturing the decode step");
    const cudaError_t made = cudaGraphInstantiate(&exec_, graph, 0);
    cudaGraphDestroy(graph);
    cuda::check(made, "instantiating the decode step's graph");
    key_ = key;
  }
  void launch(cudaStream_t s) const { cuda::check(cudaGraphLaunch(exec_, s), "replaying the decode step"); }

 private:
  cudaGraphExec_t exec_ = nullptr;
  GraphKey key_;
};

// The activations of one forward pass in device memory (shapes as in model.h).
struct Scratch {
  int32_t* ids;
  float *cos, *sin, *x, *xb, *q, *att, *gate, *up, *logits;
  float *k, *v;        // staged keys and values (null when they go straight to the cache)
  int64_t* pos;        // the decode step's position, read by its kernels (else null)
  float* attention;    // split attention's partial results (null past kMaxSplitTokens tokens)
};

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

  std::string description() const override {
    return description_ + (graphs_ ? ", decode steps as CUDA graphs" : ", decode steps launched one kernel at a time");
  }
  KVCache make_cache(int64_t capacity) override;
  std::span<const float> forward(const DeviceBatch& batch) override;
  size_t weight_bytes_per_token() const override { return bytes_per_token_; }
  DType main_weight_type() const override { return main_type_; }

 private:
  void upload_weights(const ModelSource& source, const WeightViews& views);
  void linear(const DeviceMatrix& w, const float* x, int64_t n, float* y, bool rows_as_alone) {
    matmul_(w, x, n, y, rows_as_alone);
  }
  // y += x · wᵀ: the residual add in the product's store.
  void add_product(const DeviceMatrix& w, const float* x, int64_t n, float* y, bool rows_as_alone) {
    const cuda::Matmul::Product p{&w, y, true};
    matmul_({&p, 1}, x, n, rows_as_alone);
  }
  Scratch scratch(const DeviceBatch& batch, bool decode_step);
  void enqueue_pass(const DeviceBatch& batch, const Scratch& b);
  void run_decode_step(const DeviceBatch& batch, const Scratch& b);
  GraphKey graph_key(KVCache& cache) const {
    return {cache.keys(0, 0), cache.values(0, 0), cache.capacity(), generation_, matmul_.scratch_generation(),
            cuda::attention_splits(1, cache.length() + 1)};
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
  CountedBuffer ids_, cos_, sin_, x_, xb_, q_, k_, v_, att_, gate_, up_, logits_, pos_, partial_;
  uint64_t generation_ = 0;  // reallocations of the scratch above
  // One-token decode steps replay a graph (REACH_CUDA_GRAPHS=0: never),
  // captured at the second step of a shape: the first ran eagerly, with
  // every buffer already in place.
  bool graphs_ = true;
  DecodeGraph graph_;
  GraphKey eager_key_;
  std::vector<float> host_logits_;  // {logit_rows, vocab}
  std::vector<float> host_att_;     // for the attention probe
};

CudaForward::CudaForward(const ModelSource& source, int index)
    : config_(source.config()),
      rope_style_(source.rope_style()),
      description_((cuda::use_device(index), cuda::device_description(index))),
      stream_(index),
      matmul_(stream_) {
  if (const char* env = std::getenv("REACH_CUDA_GRAPHS")) graphs_ = std::string(env) != "0";
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

Scratch CudaForward::scratch(const DeviceBatch& batch, bool decode_step) {
  const ModelConfig& c = config_;
  const auto n = static_cast<int64_t>(batch.tokens.size());
  const auto n_rows = static_cast<int64_t>(batch.logit_rows.size());
  const int64_t q_dim = c.n_heads * c.head_dim, kv_dim = c.n_kv_heads * c.head_dim;
  const bool staged = batch.segments.size() > 1 || decode_step;
  size_t scratch_floats = 0;  // split attention's, for the largest segment
  for (const CacheSegment& seg : batch.segments)
    scratch_floats = std::max(scratch_floats, cuda::attention_scratch_floats(seg.n, {c.n_heads, c.n_kv_heads, c.head_dim}));
  uint64_t& g = generation_;
  const char* what = "the GPU activations";
  return {grown<int32_t>(ids_, n, what, g),
          grown<float>(cos_, n * c.head_dim / 2, what, g),
          grown<float>(sin_, n * c.head_dim / 2, what, g),
          grown<float>(x_, n * c.dim, what, g),
          grown<float>(xb_, n * c.dim, what, g),
          grown<float>(q_, n * q_dim, what, g),
          grown<float>(att_, n * q_dim, what, g),
          grown<float>(gate_, n * c.ffn_dim, what, g),
          grown<float>(up_, n * c.ffn_dim, what, g),
          grown<float>(logits_, n_rows * c.vocab_size, "the GPU logits", g),
          staged ? grown<float>(k_, n * kv_dim, what, g) : nullptr,
          staged ? grown<float>(v_, n * kv_dim, what, g) : nullptr,
          decode_step ? grown<int64_t>(pos_, 1, what, g) : nullptr,
          scratch_floats ? grown<float>(partial_, static_cast<int64_t>(scratch_floats), what, g) : nullptr};
}

std::span<const float> CudaForward::forward(const DeviceBatch& batch) {
  const cudaStream_t s = stream_;
  const bool decode_step = graphs_ && batch.tokens.size() == 1 && batch.segments.size() == 1 &&
                           batch.masked_heads->empty() && !*batch.probe;
  const Scratch b = scratch(batch, decode_step);
  cuda::check(cudaMemcpyAsync(b.ids, batch.tokens.data(), batch.tokens.size_bytes(), cudaMemcpyHostToDevice, s), "uploading tokens");
  cuda::check(cudaMemcpyAsync(b.cos, batch.cos.data(), batch.cos.size_bytes(), cudaMemcpyHostToDevice, s), "uploading rotations");
  cuda::check(cudaMemcpyAsync(b.sin, batch.sin.data(), batch.sin.size_bytes(), cudaMemcpyHostToDevice, s), "uploading rotations");
  if (decode_step) {
    const int64_t pos = batch.segments[0].cache->length();
    cuda::check(cudaMemcpyAsync(b.pos, &pos, sizeof pos, cudaMemcpyHostToDevice, s), "uploading the position");
    run_decode_step(batch, b);
  } else {
    enqueue_pass(batch, b);
  }
  for (const CacheSegment& seg : batch.segments) seg.cache->advance(seg.n);
  host_logits_.resize(batch.logit_rows.size() * static_cast<size_t>(config_.vocab_size));
  cuda::check(cudaMemcpyAsync(host_logits_.data(), b.logits, host_logits_.size() * sizeof(float), cudaMemcpyDeviceToHost, s),
              "reading the logits");
  cuda::check(cudaStreamSynchronize(s), "running the forward pass on the GPU");
  return host_logits_;
}

// The graph of this step's shape when there is one; else the step runs
// eagerly, and its shape is noted, so that the next such step is captured.
void CudaForward::run_decode_step(const DeviceBatch& batch, const Scratch& b) {
  KVCache& cache = *batch.segments[0].cache;
  const GraphKey key = graph_key(cache);
  if (!graph_.holds(key) && key == eager_key_) graph_.capture(stream_, key, [&] { enqueue_pass(batch, b); });
  if (graph_.holds(graph_key(cache))) return graph_.launch(stream_);
  graph_.reset();  // the capture grew a buffer: nothing of it is kept
  enqueue_pass(batch, b);
  eager_key_ = graph_key(cache);
}

// Queues the whole pass on the stream, up to the logits of the batch's
// logit rows in b.logits; nothing in it waits for the host (but the probe).
// b.pos set: a decode step whose position the kernels read from the device.
void CudaForward::enqueue_pass(const DeviceBatch& batch, const Scratch& b) {
  const ModelConfig& c = config_;
  const auto n = static_cast<int64_t>(batch.tokens.size());
  const auto n_rows = static_cast<int64_t>(batch.logit_rows.size());
  const bool apart = batch.segments.size() > 1;  // rows of different sequences keep their own bits
  const int64_t dim = c.dim, hd = c.head_dim, q_dim = c.n_heads * hd, kv_dim = c.n_kv_heads * hd;
  const cudaStream_t s = stream_;
  float *x = b.x, *xb = b.xb, *q = b.q, *att = b.att, *gate = b.gate, *up = b.up;

  cuda::get_rows(embed_, b.ids, n, x, s);
  for (int32_t layer = 0; layer < c.n_layers; ++layer) {
    const DeviceLayer& w = layers_[static_cast<size_t>(layer)];
    KVCache& first = *batch.segments[0].cache;
    float* k = b.k ? b.k : first.keys(layer, first.length());
    float* v = b.v ? b.v : first.values(layer, first.length());

    // ---- attention block: x += o_proj(attention(rope(q), rope(k), v)) ----
    cuda::rmsnorm(x, w.attn_norm, xb, n, dim, c.rms_eps, s);
    matmul_({{{&w.m.q, q}, {&w.m.k, k}, {&w.m.v, v}}}, xb, n, apart);
    if (c.qkv_bias) {
      cuda::add_rows(q, w.q_bias, n, q_dim, s);
      cuda::add_rows(k, w.k_bias, n, kv_dim, s);
      cuda::add_rows(v, w.v_bias, n, kv_dim, s);
    }
    if (c.qk_norm) {
      cuda::rmsnorm(q, w.q_norm, q, n * c.n_heads, hd, c.rms_eps, s);
      cuda::rmsnorm(k, w.k_norm, k, n * c.n_kv_heads, hd, c.rms_eps, s);
    }
    cuda::rope(q, c.n_heads, k, c.n_kv_heads, n, c.head_dim, b.cos, b.sin, rope_style_, s);
    int64_t row = 0;
    for (const CacheSegment& seg : batch.segments) {
      KVCache& cache = *seg.cache;
      if (b.pos) {
        cuda::store_kv({cache.keys(layer, 0), cache.values(layer, 0), k, v, kv_dim}, b.pos, seg.n, s);
      } else if (b.k) {
        const size_t bytes = static_cast<size_t>(seg.n * kv_dim) * sizeof(float);
        cuda::check(cudaMemcpyAsync(cache.keys(layer, cache.length()), k + row * kv_dim, bytes,
                                    cudaMemcpyDeviceToDevice, s), "storing keys");
        cuda::check(cudaMemcpyAsync(cache.values(layer, cache.length()), v + row * kv_dim, bytes,
                                    cudaMemcpyDeviceToDevice, s), "storing values");
      }
      cuda::attention(q + row * q_dim, seg.n, cache.length(), cache.keys(layer, 0), cache.values(layer, 0),
                      {c.n_heads, c.n_kv_heads, c.head_dim}, att + row * q_dim, s, b.pos, b.attention);
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
    add_product(w.m.o, att, n, x, apart);

    // ---- feed-forward block: x += down(silu(gate(h)) * up(h)) ----
    cuda::rmsnorm(x, w.ffn_norm, xb, n, dim, c.rms_eps, s);
    matmul_({{{&w.m.gate, gate}, {&w.m.up, up}}}, xb, n, apart);
    cuda::silu_mul(gate, up, n * c.ffn_dim, s);
    add_product(w.m.down, gate, n, x, apart);
  }

  // The rows that get logits, packed: one run of rows (all of them, or the
  // last of one segment, or one of each one-token segment), else one by one.
  const std::span<const int64_t> rows = batch.logit_rows;
  if (rows.back() - rows.front() == n_rows - 1) {
    cuda::rmsnorm(x + rows.front() * dim, final_norm_, xb, n_rows, dim, c.rms_eps, s);
  } else {
    for (int64_t r = 0; r < n_rows; ++r)
      cuda::rmsnorm(x + rows[static_cast<size_t>(r)] * dim, final_norm_, xb + r * dim, 1, dim, c.rms_eps, s);
  }
  linear(lm_head_, xb, n_rows, b.logits, apart);
}

}  // namespace

std::unique_ptr<DeviceForward> make_cuda_forward(const ModelSource& source, int index) {
  return std::make_unique<CudaForward>(source, index);
}

}  // namespace reach::run
