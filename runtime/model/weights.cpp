#include "model/weights.h"

#include <string>
#include <utility>

#include "formats/format_error.h"
#include "kernels/quant.h"

namespace reach::run {

namespace {

std::string shape_string(const std::vector<int64_t>& shape) {
  std::string s = "{";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "}";
}

class Loader {
 public:
  Loader(const ModelSource& source, ThreadPool& pool) : source_(source), pool_(pool) {}

  const TensorView& tensor(const std::string& name, std::vector<int64_t> shape) const {
    const TensorView& t = source_.get(name);
    if (t.shape != shape)
      throw FormatError(source_.path().string(), "tensor '" + name + "' has shape " + shape_string(t.shape) +
                                                     ", the config needs " + shape_string(shape));
    return t;
  }

  // Matrices are packed only once all are known, so that one allocation
  // holds them all: these note where each goes.
  void linear(Linear& slot, const std::string& name, int64_t out, int64_t in) {
    linear_of(slot, tensor(name, {out, in}));
  }
  void linear_of(Linear& slot, const TensorView& t) { matrices_.push_back({&slot, &t}); }

  // Packs every matrix noted, into `storage`; the file pages of those
  // repacked are dropped (measured on the TinyLlama-shaped Q4_0 file:
  // peak RSS 1149 MB with them, 616 MB without).
  void pack_matrices(PackedStorage& storage) const {
    size_t bytes = 0;
    for (const auto& [slot, t] : matrices_) bytes += WeightMatrix::packed_bytes(*t);
    storage = PackedStorage(bytes);
    for (const auto& [slot, t] : matrices_) {
      try {
        *slot = WeightMatrix(*t, storage, pool_);
      } catch (const std::invalid_argument& e) {
        throw FormatError(source_.path().string(), e.what());
      }
      if (WeightMatrix::packed_bytes(*t) > 0) source_.drop_pages(*t);
    }
  }

  std::vector<float> vector(const std::string& name, int64_t n) const {
    const TensorView& t = tensor(name, {n});
    if (type_traits(t.dtype).quantized())
      throw FormatError(source_.path().string(), "vector '" + name + "' is block-quantized; only F32/F16/BF16 are read");
    std::vector<float> out(static_cast<size_t>(n));
    dequantize_row(t.dtype, t.data, out.data(), n);
    return out;
  }

 private:
  const ModelSource& source_;
  ThreadPool& pool_;
  std::vector<std::pair<Linear*, const TensorView*>> matrices_;
};

}  // namespace

namespace {
template <class Fn>
void for_each_matrix(const Weights& w, Fn fn) {
  for (const LayerWeights& l : w.layers)
    for (const Linear* m : {&l.q, &l.k, &l.v, &l.o, &l.gate, &l.up, &l.down}) fn(*m);
  fn(w.lm_head);
}
}  // namespace

size_t weight_bytes_per_token(const Weights& w) {
  size_t bytes = w.embed->row_bytes();
  for_each_matrix(w, [&](const Linear& m) { bytes += m.nbytes(); });
  return bytes;
}

DType main_weight_type(const Weights& w) {
  size_t by_type[5] = {};
  for_each_matrix(w, [&](const Linear& m) { by_type[static_cast<int>(m.dtype())] += m.nbytes(); });
  int best = 0;
  for (int i = 1; i < 5; ++i)
    if (by_type[i] > by_type[best]) best = i;
  return static_cast<DType>(best);
}

Weights load_weights(const ModelSource& source, ThreadPool& pool) {
  const ModelConfig& c = source.config();
  Loader load(source, pool);
  const int64_t q_dim = int64_t{c.n_heads} * c.head_dim;
  const int64_t kv_dim = int64_t{c.n_kv_heads} * c.head_dim;

  Weights w;
  w.embed = &load.tensor("model.embed_tokens.weight", {c.vocab_size, c.dim});
  w.layers.resize(static_cast<size_t>(c.n_layers));  // in place: the loader notes where matrices go
  for (int32_t i = 0; i < c.n_layers; ++i) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    LayerWeights& l = w.layers[static_cast<size_t>(i)];
    l.attn_norm = load.vector(p + "input_layernorm.weight", c.dim);
    load.linear(l.q, p + "self_attn.q_proj.weight", q_dim, c.dim);
    load.linear(l.k, p + "self_attn.k_proj.weight", kv_dim, c.dim);
    load.linear(l.v, p + "self_attn.v_proj.weight", kv_dim, c.dim);
    if (c.qkv_bias) {
      l.q_bias = load.vector(p + "self_attn.q_proj.bias", q_dim);
      l.k_bias = load.vector(p + "self_attn.k_proj.bias", kv_dim);
      l.v_bias = load.vector(p + "self_attn.v_proj.bias", kv_dim);
    }
    if (c.qk_norm) {
      l.q_norm = load.vector(p + "self_attn.q_norm.weight", c.head_dim);
      l.k_norm = load.vector(p + "self_attn.k_norm.weight", c.head_dim);
    }
    load.linear(l.o, p + "self_attn.o_proj.weight", c.dim, q_dim);
    l.ffn_norm = load.vector(p + "post_attention_layernorm.weight", c.dim);
    load.linear(l.gate, p + "mlp.gate_proj.weight", c.ffn_dim, c.dim);
    load.linear(l.up, p + "mlp.up_proj.weight", c.ffn_dim, c.dim);
    load.linear(l.down, p + "mlp.down_proj.weight", c.dim, c.ffn_dim);
  }
  w.final_norm = load.vector("model.norm.weight", c.dim);
  // Tied models have no lm_head tensor: the embedding matrix doubles as it.
  const bool has_head = !c.tied_embeddings && source.find("lm_head.weight") != nullptr;
  if (has_head) load.linear(w.lm_head, "lm_head.weight", c.vocab_size, c.dim);
  else load.linear_of(w.lm_head, *w.embed);
  load.pack_matrices(w.packed);
  return w;
}

}  // namespace reach::run
