#include "model/weights.h"

#include <algorithm>
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

class Finder {
 public:
  explicit Finder(const ModelSource& source) : source_(source) {}

  const TensorView* tensor(const std::string& name, std::vector<int64_t> shape) const {
    const TensorView& t = source_.get(name);
    if (t.shape != shape)
      throw FormatError(source_.path().string(), "tensor '" + name + "' has shape " + shape_string(t.shape) +
                                                     ", the config needs " + shape_string(shape));
    return &t;
  }

  std::vector<float> vector(const std::string& name, int64_t n) const {
    const TensorView& t = *tensor(name, {n});
    if (type_traits(t.dtype).quantized())
      throw FormatError(source_.path().string(), "vector '" + name + "' is block-quantized; only F32/F16/BF16 are read");
    std::vector<float> out(static_cast<size_t>(n));
    dequantize_row(t.dtype, t.data, out.data(), n);
    return out;
  }

 private:
  const ModelSource& source_;
};

// The vectors of a layer, whatever holds its matrices.
template <class To, class From>
void copy_vectors(LayerOf<To>& to, const LayerOf<From>& from) {
  to.attn_norm = from.attn_norm;
  to.q_bias = from.q_bias;
  to.k_bias = from.k_bias;
  to.v_bias = from.v_bias;
  to.q_norm = from.q_norm;
  to.k_norm = from.k_norm;
  to.ffn_norm = from.ffn_norm;
}

}  // namespace

WeightViews find_weights(const ModelSource& source) {
  const ModelConfig& c = source.config();
  const Finder find(source);
  const int64_t q_dim = int64_t{c.n_heads} * c.head_dim;
  const int64_t kv_dim = int64_t{c.n_kv_heads} * c.head_dim;

  WeightViews w;
  w.embed = find.tensor("model.embed_tokens.weight", {c.vocab_size, c.dim});
  for (int32_t i = 0; i < c.n_layers; ++i) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    LayerOf<const TensorView*>& l = w.layers.emplace_back();
    l.attn_norm = find.vector(p + "input_layernorm.weight", c.dim);
    l.q = find.tensor(p + "self_attn.q_proj.weight", {q_dim, c.dim});
    l.k = find.tensor(p + "self_attn.k_proj.weight", {kv_dim, c.dim});
    l.v = find.tensor(p + "self_attn.v_proj.weight", {kv_dim, c.dim});
    if (c.qkv_bias) {
      l.q_bias = find.vector(p + "self_attn.q_proj.bias", q_dim);
      l.k_bias = find.vector(p + "self_attn.k_proj.bias", kv_dim);
      l.v_bias = find.vector(p + "self_attn.v_proj.bias", kv_dim);
    }
    if (c.qk_norm) {
      l.q_norm = find.vector(p + "self_attn.q_norm.weight", c.head_dim);
      l.k_norm = find.vector(p + "self_attn.k_norm.weight", c.head_dim);
    }
    l.o = find.tensor(p + "self_attn.o_proj.weight", {c.dim, q_dim});
    l.ffn_norm = find.vector(p + "post_attention_layernorm.weight", c.dim);
    l.gate = find.tensor(p + "mlp.gate_proj.weight", {c.ffn_dim, c.dim});
    l.up = find.tensor(p + "mlp.up_proj.weight", {c.ffn_dim, c.dim});
    l.down = find.tensor(p + "mlp.down_proj.weight", {c.dim, c.ffn_dim});
  }
  w.final_norm = find.vector("model.norm.weight", c.dim);
  // Tied models have no lm_head tensor: the embedding matrix doubles as it.
  const bool has_head = !c.tied_embeddings && source.find("lm_head.weight") != nullptr;
  w.lm_head = has_head ? find.tensor("lm_head.weight", {c.vocab_size, c.dim}) : w.embed;
  return w;
}

namespace {

// Each matrix's storage type and file bytes, the embedding's one row first.
struct MatrixSize {
  DType dtype;
  size_t bytes;
};

std::vector<MatrixSize> matrix_sizes(const WeightViews& w) {
  std::vector<MatrixSize> sizes{{w.embed->dtype, w.embed->row_bytes()}};
  for (const LayerOf<const TensorView*>& l : w.layers)
    for_each_layer_matrix(l, [&](const TensorView* t) { sizes.push_back({t->dtype, t->nbytes}); });
  sizes.push_back({w.lm_head->dtype, w.lm_head->nbytes});
  return sizes;
}

size_t bytes_per_token(const std::vector<MatrixSize>& sizes) {
  size_t bytes = 0;
  for (const MatrixSize& m : sizes) bytes += m.bytes;
  return bytes;
}

DType main_type(const std::vector<MatrixSize>& sizes) {
  std::vector<size_t> by_type(static_cast<size_t>(DType::Q6_K) + 1);  // one per DType
  for (size_t i = 1; i < sizes.size(); ++i) by_type[static_cast<size_t>(sizes[i].dtype)] += sizes[i].bytes;
  return static_cast<DType>(std::max_element(by_type.begin(), by_type.end()) - by_type.begin());
}

}  // namespace

size_t weight_bytes_per_token(const WeightViews& w) { return bytes_per_token(matrix_sizes(w)); }
DType main_weight_type(const WeightViews& w) { return main_type(matrix_sizes(w)); }

// Packs every matrix into one allocation; the file pages of those repacked
// are dropped (measured on the TinyLlama-shaped Q4_0 file: peak RSS 1149 MB
// with them, 616 MB without).
Weights load_weights(const ModelSource& source, ThreadPool& pool) {
  const WeightViews views = find_weights(source);
  std::vector<std::pair<Linear*, const TensorView*>> matrices;
  Weights w;
  w.embed = views.embed;
  w.final_norm = views.final_norm;
  w.bytes_per_token = weight_bytes_per_token(views);
  w.main_type = main_weight_type(views);
  w.layers.resize(views.layers.size());
  for (size_t i = 0; i < views.layers.size(); ++i) {
    copy_vectors(w.layers[i], views.layers[i]);
    std::vector<Linear*> slots;
    for_each_layer_matrix(w.layers[i], [&](Linear& m) { slots.push_back(&m); });
    size_t k = 0;
    for_each_layer_matrix(views.layers[i], [&](const TensorView* t) { matrices.emplace_back(slots[k++], t); });
  }
  matrices.emplace_back(&w.lm_head, views.lm_head);

  size_t bytes = 0;
  for (const auto& [slot, t] : matrices) bytes += WeightMatrix::packed_bytes(*t);
  w.packed = PackedStorage(bytes);
  for (const auto& [slot, t] : matrices) {
    try {
      *slot = WeightMatrix(*t, w.packed, pool);
    } catch (const std::invalid_argument& e) {
      throw FormatError(source.path().string(), e.what());
    }
    if (WeightMatrix::packed_bytes(*t) > 0) source.drop_pages(*t);
    else w.streamed.emplace_back(slot->data(), slot->nbytes());
  }
  if (!w.packed.taken().empty()) w.streamed.insert(w.streamed.begin(), w.packed.taken());
  return w;
}

}  // namespace reach::run
