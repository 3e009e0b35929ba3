#include "model/weights.h"

#include <string>

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
  explicit Loader(const ModelSource& source) : source_(source) {}

  const TensorView& tensor(const std::string& name, std::vector<int64_t> shape) const {
    const TensorView& t = source_.get(name);
    if (t.shape != shape)
      throw FormatError(source_.path().string(), "tensor '" + name + "' has shape " + shape_string(t.shape) +
                                                     ", the config needs " + shape_string(shape));
    return t;
  }

  Linear linear(const std::string& name, int64_t out, int64_t in) const { return linear_of(tensor(name, {out, in})); }

  Linear linear_of(const TensorView& t) const {
    try {
      return {&t, &matmul_kernel_for(t)};
    } catch (const std::invalid_argument& e) {
      throw FormatError(source_.path().string(), e.what());
    }
  }

  std::vector<float> vector(const std::string& name, int64_t n) const {
    const TensorView& t = tensor(name, {n});
    if (dtype_info(t.dtype).block_elems != 1)
      throw FormatError(source_.path().string(), "vector '" + name + "' is block-quantized; only F32/F16/BF16 are read");
    std::vector<float> out(static_cast<size_t>(n));
    dequantize_row(t.dtype, t.data, out.data(), n);
    return out;
  }

 private:
  const ModelSource& source_;
};

}  // namespace

namespace {
template <class Fn>
void for_each_matrix(const Weights& w, Fn fn) {
  for (const LayerWeights& l : w.layers)
    for (const Linear* m : {&l.q, &l.k, &l.v, &l.o, &l.gate, &l.up, &l.down}) fn(*m->w);
  fn(*w.lm_head.w);
}
}  // namespace

size_t weight_bytes_per_token(const Weights& w) {
  size_t bytes = w.embed->row_bytes();
  for_each_matrix(w, [&](const TensorView& t) { bytes += t.nbytes; });
  return bytes;
}

DType main_weight_type(const Weights& w) {
  size_t by_type[5] = {};
  for_each_matrix(w, [&](const TensorView& t) { by_type[static_cast<int>(t.dtype)] += t.nbytes; });
  int best = 0;
  for (int i = 1; i < 5; ++i)
    if (by_type[i] > by_type[best]) best = i;
  return static_cast<DType>(best);
}

Weights load_weights(const ModelSource& source) {
  const ModelConfig& c = source.config();
  const Loader load(source);
  const int64_t q_dim = int64_t{c.n_heads} * c.head_dim;
  const int64_t kv_dim = int64_t{c.n_kv_heads} * c.head_dim;

  Weights w;
  w.embed = &load.tensor("model.embed_tokens.weight", {c.vocab_size, c.dim});
  for (int32_t i = 0; i < c.n_layers; ++i) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    LayerWeights l;
    l.attn_norm = load.vector(p + "input_layernorm.weight", c.dim);
    l.q = load.linear(p + "self_attn.q_proj.weight", q_dim, c.dim);
    l.k = load.linear(p + "self_attn.k_proj.weight", kv_dim, c.dim);
    l.v = load.linear(p + "self_attn.v_proj.weight", kv_dim, c.dim);
    if (c.qkv_bias) {
      l.q_bias = load.vector(p + "self_attn.q_proj.bias", q_dim);
      l.k_bias = load.vector(p + "self_attn.k_proj.bias", kv_dim);
      l.v_bias = load.vector(p + "self_attn.v_proj.bias", kv_dim);
    }
    if (c.qk_norm) {
      l.q_norm = load.vector(p + "self_attn.q_norm.weight", c.head_dim);
      l.k_norm = load.vector(p + "self_attn.k_norm.weight", c.head_dim);
    }
    l.o = load.linear(p + "self_attn.o_proj.weight", c.dim, q_dim);
    l.ffn_norm = load.vector(p + "post_attention_layernorm.weight", c.dim);
    l.gate = load.linear(p + "mlp.gate_proj.weight", c.ffn_dim, c.dim);
    l.up = load.linear(p + "mlp.up_proj.weight", c.ffn_dim, c.dim);
    l.down = load.linear(p + "mlp.down_proj.weight", c.dim, c.ffn_dim);
    w.layers.push_back(std::move(l));
  }
  w.final_norm = load.vector("model.norm.weight", c.dim);
  // Tied models have no lm_head tensor: the embedding matrix doubles as it.
  const bool has_head = !c.tied_embeddings && source.find("lm_head.weight") != nullptr;
  w.lm_head = has_head ? load.linear("lm_head.weight", c.vocab_size, c.dim) : load.linear_of(*w.embed);
  return w;
}

}  // namespace reach::run
