#include "lora/lora_adapter.h"

#include <cmath>
#include <cstring>
#include <stdexcept>

#include "formats/format_error.h"
#include "formats/gguf_layout.h"
#include "formats/gguf_model_metadata.h"
#include "kernels/quant.h"
#include "lora/lora_files.h"

namespace reach::run {
namespace {

namespace fs = std::filesystem;
using lora_files::StoredAdapter;
using lora_files::StoredPair;

// The weights a stored weight's B rows update, in row order: Phi-3's fused
// matrices are split as the model splits them; any other is itself.
std::vector<std::string> parts_of(const std::string& weight) {
  const auto replaced = [&](const char* fused, std::initializer_list<const char*> parts) {
    std::vector<std::string> names;
    const size_t at = weight.size() - std::strlen(fused);
    for (const char* p : parts) names.push_back(weight.substr(0, at) + p);
    return names;
  };
  if (weight.ends_with("self_attn.qkv_proj.weight"))
    return replaced("qkv_proj.weight", {"q_proj.weight", "k_proj.weight", "v_proj.weight"});
  if (weight.ends_with("mlp.gate_up_proj.weight")) return replaced("gate_up_proj.weight", {"gate_proj.weight", "up_proj.weight"});
  return {weight};
}

std::vector<float> to_floats(const TensorView& t, const std::string& file) {
  std::vector<float> out(static_cast<size_t>(t.numel()));
  for (int64_t r = 0; r < t.rows(); ++r)
    dequantize_row(t.dtype, t.data + static_cast<size_t>(r) * t.row_bytes(), out.data() + r * t.cols(), t.cols());
  for (float v : out)
    if (!std::isfinite(v)) throw FormatError(file, "tensor '" + t.name + "' holds a non-finite value");
  return out;
}

void check_pair_shapes(const StoredAdapter& s, const std::string& weight, const StoredPair& p) {
  if (!p.a || !p.b)
    throw FormatError(s.file, "'" + weight + "' has lora_" + (p.a ? "A" : "B") + " but no lora_" + (p.a ? "B" : "A"));
  if (p.a->shape.size() != 2 || p.b->shape.size() != 2 || p.a->shape[0] != p.b->shape[1] || p.a->shape[0] <= 0)
    throw FormatError(s.file, "'" + p.a->name + "' and '" + p.b->name + "' are not {r, in} and {out, r} of one rank r");
  if (s.config_rank && p.a->shape[0] != s.config_rank)
    throw FormatError(s.file, "'" + p.a->name + "' has rank " + std::to_string(p.a->shape[0]) +
                                  ", adapter_config.json's r is " + std::to_string(s.config_rank) +
                                  " (and it has no rank_pattern)");
}

// B's rows of one part, moved into the model's q/k row order if the
// adapter stores them in the other.
std::vector<float> part_rows(const std::vector<float>& b, int64_t first_row, int64_t rows, int64_t rank,
                             int64_t heads, int64_t head_dim, bool adapter_permuted, bool model_permuted) {
  std::vector<float> part(b.begin() + first_row * rank, b.begin() + (first_row + rows) * rank);
  if (heads == 0 || adapter_permuted == model_permuted) return part;
  std::vector<float> moved(part.size());
  const std::span<const std::byte> in = std::as_bytes(std::span(part));
  const std::span<std::byte> out = std::as_writable_bytes(std::span(moved));
  const auto row_bytes = static_cast<size_t>(rank) * sizeof(float);
  if (model_permuted) permute_qk_rows(in, out, heads, head_dim, row_bytes);
  else unpermute_qk_rows(in, out, heads, head_dim, row_bytes);
  return moved;
}

LoraAdapter fit(const StoredAdapter& s, const fs::path& path, float user_scale, const ModelSource& model) {
  const ModelConfig& c = model.config();
  if (!s.gguf_arch.empty() && s.gguf_arch != gguf_architecture(c.arch))
    throw FormatError(s.file, "the adapter is for architecture '" + s.gguf_arch + "', the model is '" +
                                  gguf_architecture(c.arch) + "'");
  const bool adapter_permuted = !s.gguf_arch.empty() && permutes_qk(c.arch);
  const bool model_permuted = model.rope_style() == RopeStyle::AdjacentPairs;
  LoraAdapter adapter{path, {}};
  for (const auto& [weight, pair] : s.pairs) {
    check_pair_shapes(s, weight, pair);
    const int64_t rank = pair.a->shape[0], in = pair.a->shape[1];
    const std::vector<float> a = to_floats(*pair.a, s.file), b = to_floats(*pair.b, s.file);
    const auto scale = static_cast<float>(s.scale(rank) * user_scale);
    int64_t row = 0;
    for (const std::string& part : parts_of(weight)) {
      const TensorView* w = model.find(part);
      if (!w) throw FormatError(s.file, "'" + pair.a->name + "' updates '" + part + "', which the model does not have");
      if (w->shape.size() != 2 || w->shape[1] != in || row + w->shape[0] > pair.b->shape[0])
        throw FormatError(s.file, "'" + pair.a->name + "' / '" + pair.b->name + "' do not fit '" + part + "' {" +
                                      std::to_string(w->shape[0]) + ", " + std::to_string(w->cols()) + "}");
      const int64_t out = w->shape[0];
      adapter.deltas[part] = {rank, in, out, a,
                              part_rows(b, row, out, rank, permuted_heads(c, part), c.head_dim, adapter_permuted,
                                        model_permuted),
                              scale};
      row += out;
    }
    if (row != pair.b->shape[0])
      throw FormatError(s.file, "'" + pair.b->name + "' has " + std::to_string(pair.b->shape[0]) + " rows, '" +
                                    weight + "' has " + std::to_string(row));
  }
  if (adapter.deltas.empty()) throw FormatError(s.file, "the adapter holds no LoRA pairs");
  return adapter;
}

}  // namespace

std::string lora_weight_name(int32_t layer, const LoraTarget& t) {
  return "model.layers." + std::to_string(layer) + "." + t.weight;
}

std::string lora_module_of(const std::string& weight) {
  const std::string stem = weight.substr(0, weight.size() - std::string(".weight").size());
  return stem.substr(stem.rfind('.') + 1);
}

LoraAdapter load_lora(const fs::path& path, float user_scale, const ModelSource& model) {
  std::error_code ec;
  const StoredAdapter stored = fs::is_directory(path, ec) ? lora_files::read_peft(path) : lora_files::read_gguf_lora(path);
  return fit(stored, path, user_scale, model);
}

std::pair<fs::path, float> parse_lora_option(const std::string& text) {
  const size_t colon = text.rfind(':');
  if (colon != std::string::npos && colon + 1 < text.size()) {
    const std::string tail = text.substr(colon + 1);
    char* end = nullptr;
    const float scale = std::strtof(tail.c_str(), &end);
    if (end == tail.c_str() + tail.size()) {
      if (!std::isfinite(scale)) throw std::invalid_argument("--lora " + text + ": the scale must be a finite number");
      if (colon == 0) throw std::invalid_argument("--lora " + text + ": no adapter path before the scale");
      return {text.substr(0, colon), scale};
    }
  }
  if (text.empty()) throw std::invalid_argument("--lora: no adapter path");
  return {text, 1.0f};
}

}  // namespace reach::run
