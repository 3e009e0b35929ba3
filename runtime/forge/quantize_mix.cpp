#include "forge/quantize_mix.h"

#include <cstdio>
#include <stdexcept>

namespace reach::run {
namespace {

bool ends_with(const std::string& s, std::string_view tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// "blk.N.<role>.weight": N, or -1.
int layer_of(const std::string& name) {
  int layer = -1;
  return std::sscanf(name.c_str(), "blk.%d.", &layer) == 1 ? layer : -1;
}

bool is(const QuantizeMix& m, std::string_view name) { return m.name == name; }

// llama.cpp's use_more_bits: the first and last eighth of the layers, and
// every third one between.
bool use_more_bits(int layer, int n) { return layer < n / 8 || layer >= 7 * n / 8 || (layer - n / 8) % 3 == 2; }

// The output head (and a tied embedding): Q6_K for every quantized mix but
// Q8_0, Q8_0 when its rows are not whole super-blocks.
DType output_type(const QuantizeMix& mix, const TensorPlace& t) {
  if (t.shape.back() % type_traits(mix.base).block_elems != 0) return DType::Q8_0;
  return mix.base == DType::Q8_0 ? DType::Q8_0 : DType::Q6_K;
}

// The rules by role (llama_tensor_get_type_impl, dense models).
DType by_role(const QuantizeMix& mix, const TensorPlace& t) {
  const std::string& n = t.name;
  const int layer = layer_of(n), layers = t.n_layers;
  if (n == "output.weight" || (t.tied && n == "token_embd.weight")) return output_type(mix, t);
  if (ends_with(n, ".attn_v.weight")) {
    if (is(mix, "q2_k")) return t.n_gqa >= 4 ? DType::Q4_K : DType::Q3_K;
    if (is(mix, "q3_k_m")) return layer < 2 ? DType::Q5_K : DType::Q4_K;
    if ((is(mix, "q4_k_m") || is(mix, "q5_k_m")) && use_more_bits(layer, layers)) return DType::Q6_K;
  } else if (ends_with(n, ".ffn_down.weight")) {
    if (is(mix, "q2_k")) return DType::Q3_K;
    if (is(mix, "q3_k_m")) return layer < layers / 16 ? DType::Q5_K : DType::Q4_K;
    if ((is(mix, "q4_k_m") || is(mix, "q5_k_m")) && use_more_bits(layer, layers)) return DType::Q6_K;
  } else if (ends_with(n, ".attn_output.weight")) {
    if (is(mix, "q2_k")) return DType::Q3_K;
    if (is(mix, "q3_k_m")) return DType::Q4_K;
  } else if (ends_with(n, ".attn_qkv.weight")) {
    if (is(mix, "q3_k_m")) return DType::Q4_K;
    if (is(mix, "q4_k_m")) return DType::Q5_K;
    if (is(mix, "q5_k_m")) return DType::Q6_K;
  }
  return mix.base;
}

// llama.cpp's tensor_type_fallback: a 256-element type on rows that are not
// whole super-blocks becomes a 32-element one, and F16 where even that
// does not divide the rows.
DType fallback(DType type, int64_t cols) {
  if (cols % type_traits(type).block_elems == 0) return type;
  switch (type) {
    case DType::Q2_K:
    case DType::Q3_K: type = DType::Q4_0; break;
    case DType::Q4_K: type = DType::Q5_0; break;
    case DType::Q5_K: type = DType::Q5_1; break;
    case DType::Q6_K: type = DType::Q8_0; break;
    default: break;
  }
  return cols % type_traits(type).block_elems == 0 ? type : DType::F16;
}

}  // namespace

const std::vector<QuantizeMix>& quantize_mixes() {
  static const std::vector<QuantizeMix> kMixes = {
      {"q8_0", 7, DType::Q8_0},   {"q6_k", 18, DType::Q6_K},   {"q5_k_m", 17, DType::Q5_K},
      {"q4_k_m", 15, DType::Q4_K}, {"q4_0", 2, DType::Q4_0},    {"q3_k_m", 12, DType::Q3_K},
      {"q2_k", 10, DType::Q2_K},   {"f16", 1, DType::F16},      {"bf16", 32, DType::BF16},
  };
  return kMixes;
}

const QuantizeMix& parse_mix(std::string_view name) {
  std::string names;
  for (const QuantizeMix& m : quantize_mixes()) {
    if (m.name == name) return m;
    names += (names.empty() ? "" : ", ") + std::string(m.name);
  }
  throw std::invalid_argument("--type: unknown '" + std::string(name) + "' (" + names + ")");
}

DType mix_type(const QuantizeMix& mix, const TensorPlace& t) {
  // What llama.cpp never quantizes: 1-D tensors, norms, anything not a weight.
  if (t.shape.size() < 2 || !ends_with(t.name, "weight") || t.name.find("_norm.weight") != std::string::npos)
    return DType::F32;
  if (!type_traits(mix.base).quantized()) return mix.base;
  return fallback(by_role(mix, t), t.shape.back());
}

}  // namespace reach::run
