#include "train/lora_trainer.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "kernels/blas_rows.h"
#include "kernels/ops.h"
#include "kernels/quant.h"
#include "lora/lora_adapter.h"
#include "model/model.h"
#include "model/weights.h"
#include "train/frozen_linear.h"
#include "train/train_math.h"

namespace reach::run::train {
namespace {

// In kLoraTargets' order.
enum Proj { kQ, kK, kV, kO, kGate, kUp, kDown, kProjections };
static_assert(std::size(kLoraTargets) == kProjections);

template <class T>
std::vector<T> as_t(const std::vector<float>& v) {
  return {v.begin(), v.end()};
}

template <class T>
struct Layer {
  std::vector<T> attn_norm, ffn_norm;       // {dim}
  std::vector<T> q_bias, k_bias, v_bias;    // Qwen2, else empty
  std::vector<T> q_norm, k_norm;            // {head_dim}, Qwen3, else empty
  FrozenLinear<T> w[kProjections];          // q k v o gate up down
  LoraParams<T>* lora[kProjections] = {};   // the pair trained on each, or null
  std::vector<int32_t> masked_heads;        // heads whose attention output is zeroed
};

// What a layer's backward needs from its forward ({n, width} unless noted).
template <class T>
struct Saved {
  std::vector<T> h1, rstd1;                 // attention's normed input, {n} 1/rms
  std::vector<T> q_pre, rstd_q, k_pre, rstd_k;  // Qwen3: q/k before their norms, {n·heads} 1/rms
  std::vector<T> q, k, v;                   // after biases, norms and RoPE
  std::vector<T> probs;                     // {batch, heads, ctx, ctx}
  std::vector<T> att, x_mid, h2, rstd2;     // attention output, residual after it, MLP's normed input
  std::vector<T> gate, up, act;             // {n, ffn}: act = silu(gate)·up
  std::vector<T> t[kProjections];           // {n, rank}: x·Aᵀ of each adapted projection
};

template <class T>
void add_bias_rows(T* y, const std::vector<T>& bias, int64_t n) {
  const auto w = static_cast<int64_t>(bias.size());
  for (int64_t r = 0; r < n; ++r)
    for (int64_t i = 0; i < w; ++i) y[r * w + i] += bias[static_cast<size_t>(i)];
}

template <class T>
void add_rows(T* y, const T* x, int64_t count) {
  for (int64_t i = 0; i < count; ++i) y[i] += x[i];
}

}  // namespace

template <class T>
struct LoraTrainer<T>::Impl {
  ModelConfig c;
  RopeStyle style;
  ThreadPool& pool;
  const TensorView* embed = nullptr;
  std::vector<Layer<T>> layers;
  std::vector<T> final_norm;
  FrozenLinear<T> lm_head;
  std::vector<float> inv_freq;
  int64_t batch = 0, ctx = 0, n = 0;        // this step's shape; n = batch · ctx rows
  std::vector<T> cos, sin;                  // {n, head_dim/2}

  int64_t q_dim() const { return int64_t{c.n_heads} * c.head_dim; }
  int64_t kv_dim() const { return int64_t{c.n_kv_heads} * c.head_dim; }
  HeadShape heads() const { return {c.n_heads, c.n_kv_heads, c.head_dim}; }

  Impl(const ModelSource& source, std::vector<LoraParams<T>>& params, ThreadPool& p)
      : c(source.config()), style(source.rope_style()), pool(p), inv_freq(rope_frequencies(source)) {
    const WeightViews views = find_weights(source);
    embed = views.embed;
    final_norm = as_t<T>(views.final_norm);
    lm_head = FrozenLinear<T>(views.lm_head);
    for (const auto& v : views.layers) {
      Layer<T> l;
      l.attn_norm = as_t<T>(v.attn_norm), l.ffn_norm = as_t<T>(v.ffn_norm);
      l.q_bias = as_t<T>(v.q_bias), l.k_bias = as_t<T>(v.k_bias), l.v_bias = as_t<T>(v.v_bias);
      l.q_norm = as_t<T>(v.q_norm), l.k_norm = as_t<T>(v.k_norm);
      const TensorView* m[kProjections] = {v.q, v.k, v.v, v.o, v.gate, v.up, v.down};
      for (int i = 0; i < kProjections; ++i) l.w[i] = FrozenLinear<T>(m[i]);
      layers.push_back(std::move(l));
    }
    for (LoraParams<T>& pair : params) attach(pair);
  }

  void attach(LoraParams<T>& pair) {
    for (size_t l = 0; l < layers.size(); ++l)
      for (int i = 0; i < kProjections; ++i)
        if (pair.weight == lora_weight_name(static_cast<int32_t>(l), kLoraTargets[i])) {
          const FrozenLinear<T>& w = layers[l].w[i];
          if (w.rows() != pair.out || w.cols() != pair.in || layers[l].lora[i])
            throw std::invalid_argument("LoRA pair for '" + pair.weight + "' does not fit it or is given twice");
          layers[l].lora[i] = &pair;
          return;
        }
    throw std::invalid_argument("LoRA pair for '" + pair.weight + "': the model has no such trainable weight");
  }

  void begin(std::span<const int32_t> windows, int64_t b) {
    if (b <= 0 || windows.size() % static_cast<size_t>(b) != 0 || windows.size() / static_cast<size_t>(b) < 2)
      throw std::invalid_argument("training step: windows are not batch × (ctx + 1) tokens");
    batch = b, ctx = static_cast<int64_t>(windows.size()) / b - 1, n = batch * ctx;
    const int64_t half = c.head_dim / 2;
    cos.resize(static_cast<size_t>(n * half));
    sin.resize(cos.size());
    std::vector<float> cs(static_cast<size_t>(half)), sn(cs.size());
    for (int64_t r = 0; r < n; ++r) {
      rope_cos_sin(r % ctx, inv_freq, cs.data(), sn.data());
      std::copy(cs.begin(), cs.end(), cos.begin() + r * half);
      std::copy(sn.begin(), sn.end(), sin.begin() + r * half);
    }
    for (const int32_t id : windows)
      if (id < 0 || id >= c.vocab_size) throw std::out_of_range("training step: token id " + std::to_string(id) + " outside the vocabulary");
  }

  // Zeroes the masked heads' columns of rows {n, heads·head_dim}: their
  // output in the forward, and its gradient in the backward.
  void zero_masked(const Layer<T>& l, T* att) const {
    for (const int32_t h : l.masked_heads)
      for (int64_t r = 0; r < n; ++r) std::fill_n(att + r * q_dim() + h * c.head_dim, c.head_dim, T(0));
  }

  void embed_tokens(std::span<const int32_t> windows, T* x) const {
    std::vector<float> row(static_cast<size_t>(c.dim));
    for (int64_t r = 0; r < n; ++r) {
      const int32_t id = windows[static_cast<size_t>((r / ctx) * (ctx + 1) + r % ctx)];
      dequantize_row(embed->dtype, embed->data + static_cast<size_t>(id) * embed->row_bytes(), row.data(), c.dim);
      std::copy(row.begin(), row.end(), x + r * c.dim);
    }
  }

  std::vector<int32_t> labels(std::span<const int32_t> windows) const {
    std::vector<int32_t> out(static_cast<size_t>(n));
    for (int64_t r = 0; r < n; ++r) out[static_cast<size_t>(r)] = windows[static_cast<size_t>((r / ctx) * (ctx + 1) + r % ctx + 1)];
    return out;
  }

  // y = x·Wᵀ + scale·(x·Aᵀ)·Bᵀ, saving x·Aᵀ.
  void project(Layer<T>& l, int p, const T* x, T* y, Saved<T>& s) {
    l.w[p].forward(x, n, y, pool);
    if (const LoraParams<T>* a = l.lora[p]) {
      s.t[p].resize(static_cast<size_t>(n * a->rank));
      gemm<T>(false, true, n, a->rank, a->in, T(1), x, a->in, a->a.data(), a->in, T(0), s.t[p].data(), a->rank);
      gemm<T>(false, true, n, a->out, a->rank, a->scale, s.t[p].data(), a->rank, a->b.data(), a->rank, T(1), y, a->out);
    }
  }

  // dx (+)= dy·W + dt·A with dt = scale·dy·B; grad_b += scale·dyᵀ·t, grad_a += dtᵀ·x.
  void project_back(Layer<T>& l, int p, const T* dy, const T* x, const Saved<T>& s, T* dx, bool accumulate) {
    l.w[p].backward(dy, n, dx, accumulate, pool);
    if (LoraParams<T>* a = l.lora[p]) {
      std::vector<T> dt(static_cast<size_t>(n * a->rank));
      gemm<T>(true, false, a->out, a->rank, n, a->scale, dy, a->out, s.t[p].data(), a->rank, T(1), a->grad_b.data(), a->rank);
      gemm<T>(false, false, n, a->rank, a->out, a->scale, dy, a->out, a->b.data(), a->rank, T(0), dt.data(), a->rank);
      gemm<T>(true, false, a->rank, a->in, n, T(1), dt.data(), a->rank, x, a->in, T(1), a->grad_a.data(), a->in);
      gemm<T>(false, false, n, a->in, a->rank, T(1), dt.data(), a->rank, a->a.data(), a->in, T(1), dx, a->in);
    }
  }

  static void sized(std::vector<T>& v, int64_t count) { v.resize(static_cast<size_t>(count)); }

  void attention_block_forward(Layer<T>& l, const T* x, Saved<T>& s) {
    const int64_t dim = c.dim;
    sized(s.h1, n * dim), sized(s.rstd1, n), sized(s.q, n * q_dim()), sized(s.k, n * kv_dim()), sized(s.v, n * kv_dim());
    rmsnorm_rows(x, l.attn_norm.data(), s.h1.data(), s.rstd1.data(), n, dim, c.rms_eps);
    project(l, kQ, s.h1.data(), s.q.data(), s);
    project(l, kK, s.h1.data(), s.k.data(), s);
    project(l, kV, s.h1.data(), s.v.data(), s);
    if (c.qkv_bias) {
      add_bias_rows(s.q.data(), l.q_bias, n), add_bias_rows(s.k.data(), l.k_bias, n), add_bias_rows(s.v.data(), l.v_bias, n);
    }
    if (c.qk_norm) {
      s.q_pre = s.q, s.k_pre = s.k;
      sized(s.rstd_q, n * c.n_heads), sized(s.rstd_k, n * c.n_kv_heads);
      rmsnorm_rows(s.q_pre.data(), l.q_norm.data(), s.q.data(), s.rstd_q.data(), n * c.n_heads, c.head_dim, c.rms_eps);
      rmsnorm_rows(s.k_pre.data(), l.k_norm.data(), s.k.data(), s.rstd_k.data(), n * c.n_kv_heads, c.head_dim, c.rms_eps);
    }
    rope_rows(s.q.data(), n, c.n_heads, c.head_dim, cos.data(), sin.data(), style, false);
    rope_rows(s.k.data(), n, c.n_kv_heads, c.head_dim, cos.data(), sin.data(), style, false);
    sized(s.probs, batch * c.n_heads * ctx * ctx), sized(s.att, n * q_dim());
    pool.parallel_for(batch, 1, [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; ++b)
        attention_forward(s.q.data() + b * ctx * q_dim(), s.k.data() + b * ctx * kv_dim(), s.v.data() + b * ctx * kv_dim(),
                          ctx, heads(), s.probs.data() + b * c.n_heads * ctx * ctx, s.att.data() + b * ctx * q_dim());
    });
    zero_masked(l, s.att.data());
  }

  // x_out = x_mid + down(silu(gate(h2))·up(h2)), x_mid = x + o(attention).
  void layer_forward(Layer<T>& l, const T* x, T* x_out, Saved<T>& s) {
    const int64_t dim = c.dim, ffn = c.ffn_dim;
    attention_block_forward(l, x, s);
    sized(s.x_mid, n * dim);
    project(l, kO, s.att.data(), s.x_mid.data(), s);
    add_rows(s.x_mid.data(), x, n * dim);
    sized(s.h2, n * dim), sized(s.rstd2, n), sized(s.gate, n * ffn), sized(s.up, n * ffn), sized(s.act, n * ffn);
    rmsnorm_rows(s.x_mid.data(), l.ffn_norm.data(), s.h2.data(), s.rstd2.data(), n, dim, c.rms_eps);
    project(l, kGate, s.h2.data(), s.gate.data(), s);
    project(l, kUp, s.h2.data(), s.up.data(), s);
    silu_mul_forward(s.gate.data(), s.up.data(), s.act.data(), n * ffn);
    project(l, kDown, s.act.data(), x_out, s);
    add_rows(x_out, s.x_mid.data(), n * dim);
  }

  // dx: in, the gradient of the layer's output; out, of its input x.
  void layer_backward(Layer<T>& l, const T* x, const Saved<T>& s, std::vector<T>& dx) {
    const int64_t dim = c.dim, ffn = c.ffn_dim;
    std::vector<T> d_mid = dx;  // the residual passes the output's gradient through
    std::vector<T> d_act(static_cast<size_t>(n * ffn)), d_gate(d_act.size()), d_up(d_act.size());
    project_back(l, kDown, dx.data(), s.act.data(), s, d_act.data(), false);
    silu_mul_backward(d_act.data(), s.gate.data(), s.up.data(), d_gate.data(), d_up.data(), n * ffn);
    std::vector<T> dh(static_cast<size_t>(n * dim));
    project_back(l, kGate, d_gate.data(), s.h2.data(), s, dh.data(), false);
    project_back(l, kUp, d_up.data(), s.h2.data(), s, dh.data(), true);
    rmsnorm_rows_backward(dh.data(), s.x_mid.data(), l.ffn_norm.data(), s.rstd2.data(), d_mid.data(), n, dim, true);
    attention_block_backward(l, x, s, d_mid);
    dx = std::move(d_mid);
  }

  // d: in, the gradient of x_mid; out, of the layer's input x.
  void attention_block_backward(Layer<T>& l, const T* x, const Saved<T>& s, std::vector<T>& d) {
    const int64_t dim = c.dim;
    std::vector<T> d_att(static_cast<size_t>(n * q_dim())), dq(d_att.size()), dk(static_cast<size_t>(n * kv_dim())),
        dv(dk.size());
    project_back(l, kO, d.data(), s.att.data(), s, d_att.data(), false);
    zero_masked(l, d_att.data());
    pool.parallel_for(batch, 1, [&](int64_t b0, int64_t b1) {
      std::vector<T> scratch(static_cast<size_t>(ctx * ctx));
      for (int64_t b = b0; b < b1; ++b) {
        const int64_t qo = b * ctx * q_dim(), ko = b * ctx * kv_dim();
        attention_backward(d_att.data() + qo, s.q.data() + qo, s.k.data() + ko, s.v.data() + ko,
                           s.probs.data() + b * c.n_heads * ctx * ctx, ctx, heads(), dq.data() + qo, dk.data() + ko,
                           dv.data() + ko, scratch.data());
      }
    });
    rope_rows(dq.data(), n, c.n_heads, c.head_dim, cos.data(), sin.data(), style, true);
    rope_rows(dk.data(), n, c.n_kv_heads, c.head_dim, cos.data(), sin.data(), style, true);
    if (c.qk_norm) {
      std::vector<T> dq_pre(dq.size()), dk_pre(dk.size());
      rmsnorm_rows_backward(dq.data(), s.q_pre.data(), l.q_norm.data(), s.rstd_q.data(), dq_pre.data(), n * c.n_heads,
                            c.head_dim, false);
      rmsnorm_rows_backward(dk.data(), s.k_pre.data(), l.k_norm.data(), s.rstd_k.data(), dk_pre.data(), n * c.n_kv_heads,
                            c.head_dim, false);
      dq = std::move(dq_pre), dk = std::move(dk_pre);
    }
    std::vector<T> dh(static_cast<size_t>(n * dim));
    project_back(l, kQ, dq.data(), s.h1.data(), s, dh.data(), false);
    project_back(l, kK, dk.data(), s.h1.data(), s, dh.data(), true);
    project_back(l, kV, dv.data(), s.h1.data(), s, dh.data(), true);
    rmsnorm_rows_backward(dh.data(), x, l.attn_norm.data(), s.rstd1.data(), d.data(), n, dim, true);
  }

  // The loss of the last layer's output x; with `dx`, its gradient there.
  double head(const T* x, const std::vector<int32_t>& labels, std::vector<T>* dx) {
    const int64_t dim = c.dim;
    std::vector<T> h(static_cast<size_t>(n * dim)), rstd(static_cast<size_t>(n));
    rmsnorm_rows(x, final_norm.data(), h.data(), rstd.data(), n, dim, c.rms_eps);
    std::vector<T> logits(static_cast<size_t>(n * c.vocab_size));
    lm_head.forward(h.data(), n, logits.data(), pool);
    const auto [nll, scored] = cross_entropy_backward(logits.data(), labels.data(), n, c.vocab_size);
    if (dx) {
      std::vector<T> dh(h.size());
      lm_head.backward(logits.data(), n, dh.data(), false, pool);
      dx->resize(h.size());
      rmsnorm_rows_backward(dh.data(), x, final_norm.data(), rstd.data(), dx->data(), n, dim, false);
    }
    return nll / static_cast<double>(scored);
  }

  double run(std::span<const int32_t> windows, int64_t b, bool backward, bool checkpointing) {
    begin(windows, b);
    const size_t L = layers.size(), width = static_cast<size_t>(n * c.dim);
    std::vector<std::vector<T>> inputs(L + 1, std::vector<T>(width));  // each layer's input; [L] the last output
    std::vector<Saved<T>> saved(checkpointing || !backward ? 1 : L);
    embed_tokens(windows, inputs[0].data());
    for (size_t l = 0; l < L; ++l) layer_forward(layers[l], inputs[l].data(), inputs[l + 1].data(), saved[saved.size() == 1 ? 0 : l]);
    if (!backward) return head(inputs[L].data(), labels(windows), nullptr);
    for (Layer<T>& l : layers)
      for (LoraParams<T>* p : l.lora)
        if (p) std::fill(p->grad_a.begin(), p->grad_a.end(), T(0)), std::fill(p->grad_b.begin(), p->grad_b.end(), T(0));
    std::vector<T> dx;
    const double loss = head(inputs[L].data(), labels(windows), &dx);
    std::vector<T> recomputed(width);
    for (size_t l = L; l-- > 0;) {
      Saved<T>& s = saved[checkpointing ? 0 : l];
      if (checkpointing) layer_forward(layers[l], inputs[l].data(), recomputed.data(), s);
      layer_backward(layers[l], inputs[l].data(), s, dx);
    }
    return loss;
  }
};

template <class T>
LoraTrainer<T>::LoraTrainer(const ModelSource& source, std::vector<LoraParams<T>>& params, ThreadPool& pool)
    : impl_(std::make_unique<Impl>(source, params, pool)) {
  use_single_threaded_blas();
}

template <class T>
LoraTrainer<T>::~LoraTrainer() = default;

template <class T>
double LoraTrainer<T>::step(std::span<const int32_t> windows, int64_t batch, bool checkpointing) {
  return impl_->run(windows, batch, true, checkpointing);
}

template <class T>
double LoraTrainer<T>::loss(std::span<const int32_t> windows, int64_t batch) {
  return impl_->run(windows, batch, false, true);
}

template <class T>
void LoraTrainer<T>::mask_heads(const std::vector<std::pair<int32_t, int32_t>>& heads) {
  for (Layer<T>& l : impl_->layers) l.masked_heads.clear();
  for (const auto& [layer, head] : heads) {
    if (layer < 0 || layer >= impl_->c.n_layers || head < 0 || head >= impl_->c.n_heads)
      throw std::out_of_range("head " + std::to_string(layer) + ":" + std::to_string(head) + " is outside the model");
    impl_->layers[static_cast<size_t>(layer)].masked_heads.push_back(head);
  }
}

template <class T>
size_t LoraTrainer<T>::activation_bytes(const ModelConfig& c, int64_t batch, int64_t ctx, bool checkpointing) {
  const int64_t n = batch * ctx, q = int64_t{c.n_heads} * c.head_dim, kv = int64_t{c.n_kv_heads} * c.head_dim;
  const int64_t per_layer = n * (4 * c.dim + 3 * q + 2 * kv + 3 * c.ffn_dim + 4) + batch * c.n_heads * ctx * ctx;
  const int64_t inputs = (c.n_layers + 1) * n * c.dim;
  const int64_t saved = (checkpointing ? 1 : c.n_layers) * per_layer;
  const int64_t head = n * (c.vocab_size + 3 * c.dim);  // logits and the head's gradients
  return static_cast<size_t>(inputs + saved + head) * sizeof(T);
}

template class LoraTrainer<float>;
template class LoraTrainer<double>;

}  // namespace reach::run::train
