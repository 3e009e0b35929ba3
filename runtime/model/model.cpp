#include "model/model.h"

#include <algorithm>
#include <array>
#include <stdexcept>
#include <string>

#include "kernels/attention.h"
#include "kernels/ops.h"
#include "kernels/quant.h"
#include "lora/lora_delta.h"

namespace reach::run {

namespace {

// RMSNorm over each head_dim-wide piece of rows (Qwen3's q/k norm).
void norm_heads(float* x, const std::vector<float>& w, int64_t n_pieces, float eps) {
  const auto hd = static_cast<int64_t>(w.size());
  for (int64_t i = 0; i < n_pieces; ++i) rmsnorm(x + i * hd, w.data(), x + i * hd, hd, eps);
}

}  // namespace

std::vector<float> rope_frequencies(const ModelSource& source) {
  const ModelConfig& c = source.config();
  const TensorView* divisors = source.find("rope_freqs.weight");
  if (!divisors) return rope_inv_freq(c.head_dim, c.rope_theta, c.rope_scaling);
  std::vector<float> freq = rope_inv_freq(c.head_dim, c.rope_theta, RopeScaling{});
  std::vector<float> div(freq.size());
  dequantize_row(divisors->dtype, divisors->data, div.data(), static_cast<int64_t>(div.size()));
  for (size_t i = 0; i < freq.size(); ++i) freq[i] /= div[i];
  return freq;
}

void Model::Activations::resize(const ModelConfig& c, int64_t n, int64_t logit_rows) {
  const auto sz = [n](int64_t width) { return static_cast<size_t>(n * width); };
  x.resize(sz(c.dim));
  xb.resize(sz(c.dim));
  q.resize(sz(int64_t{c.n_heads} * c.head_dim));
  att.resize(sz(int64_t{c.n_heads} * c.head_dim));
  gate.resize(sz(c.ffn_dim));
  up.resize(sz(c.ffn_dim));
  cos.resize(sz(c.head_dim / 2));
  sin.resize(sz(c.head_dim / 2));
  k.resize(sz(int64_t{c.n_kv_heads} * c.head_dim));
  v.resize(sz(int64_t{c.n_kv_heads} * c.head_dim));
  logits.resize(static_cast<size_t>(logit_rows) * static_cast<size_t>(c.vocab_size));
}

Model::Model(const ModelSource& source, ThreadPool& pool, Device device)
    : source_(source),
      config_(source.config()),
      rope_style_(source.rope_style()),
      weights_(device.kind == Device::Kind::Cpu ? load_weights(source, pool) : Weights{}),
      rope_inv_freq_(rope_frequencies(source)),
      pool_(pool),
      device_(device.kind == Device::Kind::Cuda ? make_cuda_forward(source, device.index) : nullptr) {}

size_t Model::weight_bytes_per_token() const {
  return device_ ? device_->weight_bytes_per_token() : weights_.bytes_per_token;
}

DType Model::main_weight_type() const {
  return device_ ? device_->main_weight_type() : weights_.main_type;
}

void Model::linear(const Linear& l, const Deltas& deltas, const float* x, int64_t n, float* y, bool rows_as_alone) {
  if (n == 1) l.gemv(x, y, pool_);
  else if (!rows_as_alone || l.gemm_rows_equal_gemv()) l.gemm(x, n, y, pool_);
  else
    for (int64_t t = 0; t < n; ++t) l.gemv(x + t * l.cols(), y + t * l.rows(), pool_);
  add_deltas(deltas, x, n, y, l.cols(), l.rows(), rows_as_alone);
}

void Model::linear_each(std::initializer_list<LinearOut> outs, const float* x, int64_t n, bool rows_as_alone) {
  std::array<WeightMatrix::Product, 3> products;  // q, k and v at most; on the stack: decode calls this 44 times a token
  if (outs.size() > products.size()) throw std::logic_error("linear_each: more than three products of one input");
  size_t count = 0;
  for (const LinearOut& o : outs) {
    if (n > 1 && rows_as_alone && !o.l->gemm_rows_equal_gemv()) {  // row by row: linear() knows how
      for (const LinearOut& each : outs) linear(*each.l, *each.deltas, x, n, each.y, rows_as_alone);
      return;
    }
    products[count++] = {o.l, o.y};
  }
  WeightMatrix::gemm_each({products.data(), count}, x, n, pool_);
  for (const LinearOut& o : outs) add_deltas(*o.deltas, x, n, o.y, o.l->cols(), o.l->rows(), rows_as_alone);
}

// y += each LoRA update of x; with rows_as_alone row by row, as each row
// would get it alone.
void Model::add_deltas(const Deltas& deltas, const float* x, int64_t n, float* y, int64_t in, int64_t out,
                       bool rows_as_alone) {
  for (const LoraDelta* d : deltas) {
    if (!rows_as_alone) add_lora_delta(*d, x, n, y);
    else
      for (int64_t t = 0; t < n; ++t) add_lora_delta(*d, x + t * in, 1, y + t * out);
  }
}

void Model::add_lora(LoraAdapter adapter) {
  if (device_) throw std::invalid_argument(adapter.path.string() + ": LoRA adapters run on the CPU only (--device cpu)");
  // In kLoraTargets' order.
  static constexpr Deltas LayerDeltas::*kMembers[] = {&LayerDeltas::q,    &LayerDeltas::k,  &LayerDeltas::v,
                                                      &LayerDeltas::o,    &LayerDeltas::gate, &LayerDeltas::up,
                                                      &LayerDeltas::down};
  static_assert(std::size(kMembers) == std::size(kLoraTargets));
  lora_.resize(static_cast<size_t>(config_.n_layers));
  const LoraAdapter& kept = *adapters_.emplace_back(std::make_unique<LoraAdapter>(std::move(adapter)));
  size_t placed = 0;
  for (int32_t layer = 0; layer < config_.n_layers; ++layer) {
    const LayerWeights& w = weights_.layers[static_cast<size_t>(layer)];
    const Linear* matrices[] = {&w.q, &w.k, &w.v, &w.o, &w.gate, &w.up, &w.down};
    for (size_t i = 0; i < std::size(kLoraTargets); ++i) {
      const auto it = kept.deltas.find(lora_weight_name(layer, kLoraTargets[i]));
      if (it == kept.deltas.end()) continue;
      if (it->second.out != matrices[i]->rows() || it->second.in != matrices[i]->cols())
        throw std::invalid_argument(kept.path.string() + ": the update of '" + it->first + "' does not fit its matrix");
      (lora_[static_cast<size_t>(layer)].*kMembers[i]).push_back(&it->second);
      ++placed;
    }
  }
  if (placed != kept.deltas.size())
    throw std::invalid_argument(kept.path.string() + ": updates a matrix outside the model's layers");
}

void Model::mask_heads(const std::vector<std::pair<int32_t, int32_t>>& heads) {
  masked_heads_.assign(heads.empty() ? 0 : static_cast<size_t>(config_.n_layers), {});
  for (const auto& [layer, head] : heads) {
    if (layer < 0 || layer >= config_.n_layers || head < 0 || head >= config_.n_heads)
      throw std::out_of_range("head " + std::to_string(layer) + ":" + std::to_string(head) + " is outside the model's " +
                              std::to_string(config_.n_layers) + " layers of " + std::to_string(config_.n_heads) +
                              " heads");
    masked_heads_[static_cast<size_t>(layer)].push_back(head);
  }
}

std::span<const float> Model::forward(std::span<const int32_t> tokens, KVCache& cache, Logits which) {
  const Segment one{&cache, static_cast<int64_t>(tokens.size())};
  return forward_segments(tokens, {&one, 1}, which);
}

std::span<const float> Model::forward_each(std::span<const int32_t> tokens, std::span<KVCache* const> caches) {
  if (tokens.size() != caches.size()) throw std::invalid_argument("forward_each: one token per cache");
  std::vector<Segment> segments;
  for (KVCache* c : caches) segments.push_back({c, 1});
  return forward_segments(tokens, segments, Logits::Last);
}

// Work below which a per-row op stays on the caller: 8192 floats are 2-5 µs
// of RMSNorm or SwiGLU (reach-ops-bench), where a pass of the pool costs
// 0.4-1.2 µs and the caller then reads half the rows from the other cores'
// caches. Decode's single row is always below it; a prompt of 512 tokens
// is 2.9 million floats of SwiGLU a layer, 1.0-1.7 ms on one core (16 or
// 8 lanes).
constexpr int64_t kRowOpsOnPool = 8192;

template <class Fn>
void Model::each_row(int64_t n, int64_t width, const Fn& fn) {
  if (n == 1 || n * width < kRowOpsOnPool) fn(int64_t{0}, n);
  else pool_.parallel_for(n, 1, fn);
}

void Model::add_residual(float* x, const float* y, int64_t n) {
  const int64_t dim = config_.dim;
  each_row(n, dim, [&](int64_t begin, int64_t end) { add_inplace(x + begin * dim, y + begin * dim, (end - begin) * dim); });
}

void Model::norm_rows(const float* x, const std::vector<float>& weight, float* out, int64_t n) {
  const int64_t dim = config_.dim;
  each_row(n, dim, [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) rmsnorm(x + t * dim, weight.data(), out + t * dim, dim, config_.rms_eps);
  });
}

// Token t's q, k and v (rows of act_) as attention takes them: Qwen2's
// biases added, Qwen3's per-head norms applied, q and k rotated to the
// token's position.
void Model::position_qkv(const LayerWeights& w, int64_t t) {
  const ModelConfig& c = config_;
  const int64_t hd = c.head_dim, q_dim = c.n_heads * hd, kv_dim = c.n_kv_heads * hd;
  float* q = act_.q.data() + t * q_dim;
  float* k = act_.k.data() + t * kv_dim;
  if (c.qkv_bias) {
    add_inplace(q, w.q_bias.data(), q_dim);
    add_inplace(k, w.k_bias.data(), kv_dim);
    add_inplace(act_.v.data() + t * kv_dim, w.v_bias.data(), kv_dim);
  }
  if (c.qk_norm) {
    norm_heads(q, w.q_norm, c.n_heads, c.rms_eps);
    norm_heads(k, w.k_norm, c.n_kv_heads, c.rms_eps);
  }
  const float* cos = act_.cos.data() + t * hd / 2;
  const float* sin = act_.sin.data() + t * hd / 2;
  rope(q, c.n_heads, c.head_dim, cos, sin, rope_style_);
  rope(k, c.n_kv_heads, c.head_dim, cos, sin, rope_style_);
}

// The new keys and values, computed as rows {n, kv_dim}, into each
// segment's cache (laid out by KV head: kv_cache.h).
void Model::store_kv(std::span<const Segment> segments, int32_t layer, const float* k, const float* v) {
  const int64_t kv_dim = int64_t{config_.n_kv_heads} * config_.head_dim;
  int64_t row = 0;
  for (const Segment& s : segments) {
    s.cache->store(layer, k + row * kv_dim, v + row * kv_dim, s.n);
    row += s.n;
  }
}

// The batch: segments of tokens, each continuing its own cache (one segment
// for generation and perplexity, one token per segment for the server's
// decode step). Logits::Last gives the last token of each segment.
std::span<const float> Model::forward_segments(std::span<const int32_t> tokens, std::span<const Segment> segments,
                                               Logits which) {
  const ModelConfig& c = config_;
  const auto n = static_cast<int64_t>(tokens.size());
  if (n == 0) throw std::invalid_argument("forward: no tokens");
  std::vector<int64_t> pos;  // each token's position in its cache
  for (const Segment& s : segments) {
    const int64_t pos0 = s.cache->length();
    if (pos0 + s.n > s.cache->capacity())
      throw std::out_of_range("forward: " + std::to_string(pos0 + s.n) + " positions exceed the context of " +
                              std::to_string(s.cache->capacity()));
    for (int64_t t = 0; t < s.n; ++t) pos.push_back(pos0 + t);
  }
  for (const int32_t id : tokens)
    if (id < 0 || id >= c.vocab_size)
      throw std::out_of_range("forward: token id " + std::to_string(id) + " outside the vocabulary of " +
                              std::to_string(c.vocab_size));
  // Generation needs only the last token's logits (of each sequence).
  std::vector<int64_t> logit_rows;
  int64_t end = 0;
  for (const Segment& s : segments) {
    end += s.n;
    for (int64_t t = which == Logits::All ? end - s.n : end - 1; t < end; ++t) logit_rows.push_back(t);
  }
  const bool rows_as_alone = segments.size() > 1;  // tokens of several sequences: each row its bits alone
  const int64_t dim = c.dim, hd = c.head_dim, q_dim = c.n_heads * hd, kv_dim = c.n_kv_heads * hd;
  const auto n_logits = static_cast<int64_t>(logit_rows.size());
  if (device_) {  // the host computes only the rotations; the device holds the rest
    act_.cos.resize(static_cast<size_t>(n * hd / 2));
    act_.sin.resize(static_cast<size_t>(n * hd / 2));
  } else {
    act_.resize(c, n, n_logits);
  }
  for (int64_t t = 0; t < n; ++t)
    rope_cos_sin(pos[static_cast<size_t>(t)], rope_inv_freq_, act_.cos.data() + t * hd / 2, act_.sin.data() + t * hd / 2);
  if (device_)
    return device_->forward({tokens, segments, {act_.cos.data(), static_cast<size_t>(n * hd / 2)},
                             {act_.sin.data(), static_cast<size_t>(n * hd / 2)}, logit_rows, &masked_heads_,
                             &attention_probe_});

  float* x = act_.x.data();
  float* xb = act_.xb.data();
  float* q = act_.q.data();
  float* k = act_.k.data();
  float* v = act_.v.data();
  // Embedding rows, in whatever type the file stores them.
  for (int64_t t = 0; t < n; ++t)
    dequantize_row(weights_.embed->dtype,
                   weights_.embed->data + static_cast<size_t>(tokens[static_cast<size_t>(t)]) * weights_.embed->row_bytes(),
                   x + t * dim, dim);

  for (int32_t layer = 0; layer < c.n_layers; ++layer) {
    const LayerWeights& w = weights_.layers[static_cast<size_t>(layer)];
    static const LayerDeltas kNone;
    const LayerDeltas& d = lora_.empty() ? kNone : lora_[static_cast<size_t>(layer)];
    // ---- attention block: x += o_proj(attention(rope(q), rope(k), v)) ----
    norm_rows(x, w.attn_norm, xb, n);
    linear_each({{&w.q, &d.q, q}, {&w.k, &d.k, k}, {&w.v, &d.v, v}}, xb, n, rows_as_alone);
    each_row(n, q_dim + kv_dim, [&](int64_t begin, int64_t end) {
      for (int64_t t = begin; t < end; ++t) position_qkv(w, t);
    });
    store_kv(segments, layer, k, v);
    int64_t row = 0;
    for (const Segment& s : segments) {
      attention(q + row * q_dim, s.n, s.cache->length(), s.cache->layer_keys(layer), s.cache->layer_values(layer),
                s.cache->layout(), {c.n_heads, c.n_kv_heads, c.head_dim}, act_.att.data() + row * q_dim, pool_);
      row += s.n;
    }
    if (!masked_heads_.empty())
      for (int32_t h : masked_heads_[static_cast<size_t>(layer)])
        for (int64_t t = 0; t < n; ++t) std::fill_n(act_.att.data() + t * q_dim + h * hd, hd, 0.0f);
    if (attention_probe_) attention_probe_(layer, {act_.att.data(), static_cast<size_t>(n * q_dim)}, n);
    linear(w.o, d.o, act_.att.data(), n, xb, rows_as_alone);
    add_residual(x, xb, n);

    // ---- feed-forward block: x += down(silu(gate(h)) * up(h)) ----
    norm_rows(x, w.ffn_norm, xb, n);
    linear_each({{&w.gate, &d.gate, act_.gate.data()}, {&w.up, &d.up, act_.up.data()}}, xb, n, rows_as_alone);
    each_row(n, c.ffn_dim, [&](int64_t begin, int64_t end) {
      silu_mul(act_.gate.data() + begin * c.ffn_dim, act_.up.data() + begin * c.ffn_dim, (end - begin) * c.ffn_dim);
    });
    linear(w.down, d.down, act_.gate.data(), n, xb, rows_as_alone);
    add_residual(x, xb, n);
  }
  for (const Segment& s : segments) s.cache->advance(s.n);

  for (size_t r = 0; r < logit_rows.size(); ++r)
    rmsnorm(x + logit_rows[r] * dim, weights_.final_norm.data(), xb + static_cast<int64_t>(r) * dim, dim, c.rms_eps);
  linear(weights_.lm_head, {}, xb, n_logits, act_.logits.data(), rows_as_alone);
  return act_.logits;
}


}  // namespace reach::run
