#include "forge/heads.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <stdexcept>
#include <string>

namespace reach::run {

namespace {

std::string layer_tensor(int32_t layer, const char* name) {
  return "model.layers." + std::to_string(layer) + ".self_attn." + name + ".weight";
}

// Sums of squares of each block of `block` consecutive rows ({rows/block}),
// or, with by_columns, of each block of `block` columns.
std::vector<double> block_squares(const TensorView& t, int64_t block, bool by_columns) {
  const int64_t rows = t.rows(), cols = t.cols();
  std::vector<double> sums(static_cast<size_t>((by_columns ? cols : rows) / block), 0.0);
  std::vector<float> row(static_cast<size_t>(cols));
  const auto& traits = type_traits(t.dtype);
  for (int64_t r = 0; r < rows; ++r) {
    traits.to_float(t.data + static_cast<size_t>(r) * t.row_bytes(), row.data(), cols);
    for (int64_t c = 0; c < cols; ++c)
      sums[static_cast<size_t>((by_columns ? c : r) / block)] += static_cast<double>(row[c]) * row[c];
  }
  return sums;
}

// A non-negative decimal integer that fits int32, or nullopt.
std::optional<int32_t> small_integer(std::string_view s) {
  if (s.empty() || s.size() > 9) return std::nullopt;
  int32_t v = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

}  // namespace

std::vector<std::pair<int32_t, int32_t>> parse_head_list(std::string_view spec) {
  std::vector<std::pair<int32_t, int32_t>> heads;
  while (true) {
    const size_t comma = spec.find(',');
    const std::string_view item = spec.substr(0, comma);
    const size_t colon = item.find(':');
    const auto layer = small_integer(item.substr(0, colon));
    const auto head = colon == std::string_view::npos ? std::nullopt : small_integer(item.substr(colon + 1));
    if (!layer || !head)
      throw std::invalid_argument("'" + std::string(item) + "' is not LAYER:HEAD (e.g. 0:3,5:1)");
    heads.emplace_back(*layer, *head);
    if (comma == std::string_view::npos) return heads;
    spec.remove_prefix(comma + 1);
  }
}

std::vector<std::vector<HeadScore>> head_weight_scores(const ModelSource& source) {
  const ModelConfig& c = source.config();
  const int32_t group = c.n_heads / c.n_kv_heads;
  std::vector<std::vector<HeadScore>> scores(static_cast<size_t>(c.n_layers));
  for (int32_t l = 0; l < c.n_layers; ++l) {
    const auto q = block_squares(source.get(layer_tensor(l, "q_proj")), c.head_dim, false);
    const auto k = block_squares(source.get(layer_tensor(l, "k_proj")), c.head_dim, false);
    const auto v = block_squares(source.get(layer_tensor(l, "v_proj")), c.head_dim, false);
    const auto o = block_squares(source.get(layer_tensor(l, "o_proj")), c.head_dim, true);
    for (int32_t h = 0; h < c.n_heads; ++h) {
      HeadScore s;
      s.layer = l, s.head = h, s.kv_head = h / group;
      s.q_l2 = std::sqrt(q[static_cast<size_t>(h)]);
      s.k_l2 = std::sqrt(k[static_cast<size_t>(s.kv_head)]);
      s.v_l2 = std::sqrt(v[static_cast<size_t>(s.kv_head)]);
      s.o_l2 = std::sqrt(o[static_cast<size_t>(h)]);
      s.weight_l2 = std::sqrt(q[static_cast<size_t>(h)] + o[static_cast<size_t>(h)]);
      scores[static_cast<size_t>(l)].push_back(s);
    }
  }
  return scores;
}

void add_activation_scores(Model& model, std::span<const int32_t> tokens, int64_t ctx,
                           std::vector<std::vector<HeadScore>>& scores) {
  const ModelConfig& c = model.config();
  std::vector<std::vector<double>> sums(static_cast<size_t>(c.n_layers), std::vector<double>(c.n_heads, 0.0));
  model.set_attention_probe([&](int32_t layer, std::span<const float> att, int64_t n) {
    for (int64_t t = 0; t < n; ++t)
      for (int32_t h = 0; h < c.n_heads; ++h) {
        const float* out = att.data() + (t * c.n_heads + h) * c.head_dim;
        double sq = 0;
        for (int64_t i = 0; i < c.head_dim; ++i) sq += static_cast<double>(out[i]) * out[i];
        sums[static_cast<size_t>(layer)][static_cast<size_t>(h)] += std::sqrt(sq);
      }
  });
  KVCache cache = model.make_cache(ctx);
  for (size_t start = 0; start < tokens.size(); start += static_cast<size_t>(ctx)) {
    cache.clear();
    model.forward(tokens.subspan(start, std::min(tokens.size() - start, static_cast<size_t>(ctx))), cache);
  }
  model.set_attention_probe({});
  for (auto& layer : scores)
    for (HeadScore& s : layer)
      s.activation = sums[static_cast<size_t>(s.layer)][static_cast<size_t>(s.head)] / static_cast<double>(tokens.size());
}

}  // namespace reach::run
