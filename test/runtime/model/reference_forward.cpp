#include "reference_forward.h"

#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <numbers>
#include <string>

#include <nlohmann/json.hpp>

namespace reach::run::testing {

namespace {

namespace fs = std::filesystem;
using Vec = std::vector<double>;
using nlohmann::json;

struct Tensor {
  std::vector<int64_t> shape;
  Vec data;
  double at(int64_t r, int64_t c) const { return data[static_cast<size_t>(r * shape.back() + c)]; }
};

// What the forward needs from config.json, read here from the file itself
// (not through the runtime's parser, whose bugs it must be able to catch).
struct Config {
  int64_t dim, n_layers, n_heads, n_kv_heads, head_dim;
  double rms_eps, rope_theta;
  bool tied, qkv_bias, qk_norm;
  double rope_factor = 0, low_freq_factor = 1, high_freq_factor = 4, original_max_position = 8192;
};

Config read_config(const fs::path& dir) {
  std::ifstream f(dir / "config.json");
  const json j = json::parse(f);
  Config c{};
  c.dim = j.at("hidden_size");
  c.n_layers = j.at("num_hidden_layers");
  c.n_heads = j.at("num_attention_heads");
  c.n_kv_heads = j.value("num_key_value_heads", c.n_heads);
  c.head_dim = j.value("head_dim", c.dim / c.n_heads);
  c.rms_eps = j.at("rms_norm_eps");
  c.rope_theta = j.value("rope_theta", 10000.0);
  c.tied = j.value("tie_word_embeddings", false);
  const std::string type = j.at("model_type");
  c.qkv_bias = type == "qwen2";
  c.qk_norm = type == "qwen3";
  if (j.contains("rope_scaling") && j["rope_scaling"].is_object()) {
    const json& r = j["rope_scaling"];
    c.rope_factor = r.at("factor");
    c.low_freq_factor = r.value("low_freq_factor", 1.0);
    c.high_freq_factor = r.value("high_freq_factor", 4.0);
    c.original_max_position = r.value("original_max_position_embeddings", 8192.0);
  }
  return c;
}

// IEEE half and bfloat16 to double, written out here rather than borrowed.
double half_to_double(uint16_t h) {
  const int sign = h >> 15, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  const double v = exp == 0 ? std::ldexp(mant, -24) : std::ldexp(1024 + mant, exp - 25);
  return sign ? -v : v;  // the test models hold no inf or nan
}
double bf16_to_double(uint16_t b) {
  uint32_t bits = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

// A minimal safetensors reader: every tensor of the folder (one file, or the
// shards an index names), F32/F16/BF16, as doubles.
std::map<std::string, Tensor> read_tensors(const fs::path& dir) {
  std::vector<fs::path> files;
  if (fs::exists(dir / "model.safetensors.index.json")) {
    std::ifstream f(dir / "model.safetensors.index.json");
    std::set<std::string> shards;
    for (const auto& [name, shard] : json::parse(f).at("weight_map").items()) shards.insert(shard.get<std::string>());
    for (const auto& s : shards) files.push_back(dir / s);
  } else {
    files.push_back(dir / "model.safetensors");
  }
  std::map<std::string, Tensor> out;
  for (const fs::path& path : files) {
    std::ifstream f(path, std::ios::binary);
    const std::string bytes{std::istreambuf_iterator<char>(f), {}};
    uint64_t header_len;
    std::memcpy(&header_len, bytes.data(), 8);
    const json header = json::parse(bytes.substr(8, header_len));
    const char* data = bytes.data() + 8 + header_len;
    for (const auto& [name, t] : header.items()) {
      if (name == "__metadata__") continue;
      Tensor x{t.at("shape").get<std::vector<int64_t>>(), {}};
      const std::string dtype = t.at("dtype");
      const size_t begin = t.at("data_offsets")[0], end = t.at("data_offsets")[1];
      const size_t width = dtype == "F32" ? 4 : 2;
      for (size_t at = begin; at < end; at += width) {
        if (dtype == "F32") {
          float v;
          std::memcpy(&v, data + at, 4);
          x.data.push_back(v);
        } else {
          uint16_t h;
          std::memcpy(&h, data + at, 2);
          x.data.push_back(dtype == "F16" ? half_to_double(h) : bf16_to_double(h));
        }
      }
      out.emplace(name, std::move(x));
    }
  }
  return out;
}

Vec matvec(const Tensor& w, const Vec& x) {
  Vec y(static_cast<size_t>(w.shape[0]), 0.0);
  for (int64_t r = 0; r < w.shape[0]; ++r)
    for (int64_t c = 0; c < w.shape[1]; ++c) y[static_cast<size_t>(r)] += w.at(r, c) * x[static_cast<size_t>(c)];
  return y;
}

Vec rmsnorm(const Vec& x, const Vec& w, double eps) {
  double ss = 0;
  for (double v : x) ss += v * v;
  const double scale = 1.0 / std::sqrt(ss / static_cast<double>(x.size()) + eps);
  Vec y(x.size());
  for (size_t i = 0; i < x.size(); ++i) y[i] = x[i] * scale * w[i];
  return y;
}

// transformers' default and llama3 inv_freq.
double inv_freq(const Config& c, int i) {
  double f = 1.0 / std::pow(c.rope_theta, 2.0 * i / static_cast<double>(c.head_dim));
  if (c.rope_factor <= 0) return f;
  const double wavelen = 2 * std::numbers::pi / f;
  const double low = c.original_max_position / c.low_freq_factor, high = c.original_max_position / c.high_freq_factor;
  if (wavelen > low) return f / c.rope_factor;
  if (wavelen < high) return f;
  const double smooth = (c.original_max_position / wavelen - c.low_freq_factor) / (c.high_freq_factor - c.low_freq_factor);
  return (1 - smooth) * f / c.rope_factor + smooth * f;
}

// rotate_half on each head of x at position pos.
void rope_half(Vec& x, const Config& c, int64_t n_heads, int64_t pos) {
  const int64_t hd = c.head_dim;
  for (int64_t h = 0; h < n_heads; ++h)
    for (int i = 0; i < hd / 2; ++i) {
      double& a = x[static_cast<size_t>(h * hd + i)];
      double& b = x[static_cast<size_t>(h * hd + i + hd / 2)];
      const double ang = static_cast<double>(pos) * static_cast<float>(inv_freq(c, i));
      const double a0 = a, b0 = b;
      a = a0 * std::cos(ang) - b0 * std::sin(ang);
      b = b0 * std::cos(ang) + a0 * std::sin(ang);
    }
}

// Phi-3's fused matrices, split as transformers' Phi3 modules do: qkv_proj's
// rows are q, k, v; gate_up_proj's first half is the gate, its second up.
void split_fused(const Config& c, std::map<std::string, Tensor>& tensors) {
  const auto rows = [](const Tensor& t, int64_t first, int64_t count) {
    const int64_t cols = t.shape.back();
    return Tensor{{count, cols}, Vec(t.data.begin() + first * cols, t.data.begin() + (first + count) * cols)};
  };
  const int64_t q = c.n_heads * c.head_dim, kv = c.n_kv_heads * c.head_dim;
  for (int64_t l = 0; l < c.n_layers; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    if (auto it = tensors.find(p + "self_attn.qkv_proj.weight"); it != tensors.end()) {
      tensors[p + "self_attn.q_proj.weight"] = rows(it->second, 0, q);
      tensors[p + "self_attn.k_proj.weight"] = rows(it->second, q, kv);
      tensors[p + "self_attn.v_proj.weight"] = rows(it->second, q + kv, kv);
    }
    if (auto it = tensors.find(p + "mlp.gate_up_proj.weight"); it != tensors.end()) {
      const int64_t ffn = it->second.shape[0] / 2;
      tensors[p + "mlp.gate_proj.weight"] = rows(it->second, 0, ffn);
      tensors[p + "mlp.up_proj.weight"] = rows(it->second, ffn, ffn);
    }
  }
}

}  // namespace

ReferenceTensor reference_tensor(const std::filesystem::path& hf_dir, const std::string& name) {
  const std::map<std::string, Tensor> tensors = read_tensors(hf_dir);
  const Tensor& t = tensors.at(name);
  return {t.shape, t.data};
}

std::vector<double> reference_logits(const std::filesystem::path& hf_dir, const std::vector<int32_t>& tokens,
                                     ReferenceTrace* trace) {
  const Config c = read_config(hf_dir);
  std::map<std::string, Tensor> tensors = read_tensors(hf_dir);
  split_fused(c, tensors);
  auto load = [&](const std::string& name) -> const Tensor& { return tensors.at(name); };
  auto vec = [&](const std::string& name) -> const Vec& { return tensors.at(name).data; };
  const int64_t hd = c.head_dim, n = static_cast<int64_t>(tokens.size());
  const Tensor& embed = load("model.embed_tokens.weight");
  std::vector<Vec> xs;
  for (int32_t t : tokens)
    xs.emplace_back(embed.data.begin() + t * c.dim, embed.data.begin() + (t + 1) * c.dim);

  if (trace) trace->attention.assign(static_cast<size_t>(c.n_layers), {});
  for (int l = 0; l < c.n_layers; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    const Tensor &wq = load(p + "self_attn.q_proj.weight"), &wk = load(p + "self_attn.k_proj.weight"),
                 &wv = load(p + "self_attn.v_proj.weight"), &wo = load(p + "self_attn.o_proj.weight"),
                 &wg = load(p + "mlp.gate_proj.weight"), &wu = load(p + "mlp.up_proj.weight"),
                 &wd = load(p + "mlp.down_proj.weight");
    const Vec n1 = vec(p + "input_layernorm.weight"), n2 = vec(p + "post_attention_layernorm.weight");
    std::vector<Vec> qs, ks, vs;
    for (int64_t t = 0; t < n; ++t) {
      const Vec h = rmsnorm(xs[t], n1, c.rms_eps);
      Vec q = matvec(wq, h), k = matvec(wk, h), v = matvec(wv, h);
      if (c.qkv_bias) {
        const Vec bq = vec(p + "self_attn.q_proj.bias"), bk = vec(p + "self_attn.k_proj.bias"),
                  bv = vec(p + "self_attn.v_proj.bias");
        for (size_t i = 0; i < q.size(); ++i) q[i] += bq[i];
        for (size_t i = 0; i < k.size(); ++i) k[i] += bk[i], v[i] += bv[i];
      }
      if (c.qk_norm) {
        const Vec qn = vec(p + "self_attn.q_norm.weight"), kn = vec(p + "self_attn.k_norm.weight");
        auto norm_heads = [&](Vec& x, const Vec& w) {
          for (size_t h0 = 0; h0 < x.size(); h0 += static_cast<size_t>(hd)) {
            const Vec y = rmsnorm(Vec(x.begin() + h0, x.begin() + h0 + hd), w, c.rms_eps);
            std::copy(y.begin(), y.end(), x.begin() + h0);
          }
        };
        norm_heads(q, qn);
        norm_heads(k, kn);
      }
      rope_half(q, c, c.n_heads, t);
      rope_half(k, c, c.n_kv_heads, t);
      qs.push_back(q), ks.push_back(k), vs.push_back(v);
    }
    for (int64_t t = 0; t < n; ++t) {
      Vec att(static_cast<size_t>(c.n_heads * hd), 0.0);
      for (int64_t h = 0; h < c.n_heads; ++h) {
        const int64_t kvh = h / (c.n_heads / c.n_kv_heads);
        Vec sc(static_cast<size_t>(t + 1));
        double m = -1e300, sum = 0;
        for (int64_t p2 = 0; p2 <= t; ++p2) {
          double d = 0;
          for (int64_t i = 0; i < hd; ++i) d += qs[t][h * hd + i] * ks[p2][kvh * hd + i];
          m = std::max(m, sc[p2] = d / std::sqrt(static_cast<double>(hd)));
        }
        for (double& x : sc) sum += (x = std::exp(x - m));
        for (int64_t p2 = 0; p2 <= t; ++p2)
          for (int64_t i = 0; i < hd; ++i) att[h * hd + i] += sc[p2] / sum * vs[p2][kvh * hd + i];
      }
      if (trace)
        for (const auto& [layer, head] : trace->masked_heads)
          if (layer == l) std::fill(att.begin() + head * hd, att.begin() + (head + 1) * hd, 0.0);
      if (trace) trace->attention[static_cast<size_t>(l)].push_back(att);
      const Vec o = matvec(wo, att);
      for (int64_t i = 0; i < c.dim; ++i) xs[t][i] += o[i];
      const Vec h = rmsnorm(xs[t], n2, c.rms_eps);
      Vec g = matvec(wg, h);
      const Vec u = matvec(wu, h);
      for (size_t i = 0; i < g.size(); ++i) g[i] = g[i] / (1 + std::exp(-g[i])) * u[i];
      const Vec d = matvec(wd, g);
      for (int64_t i = 0; i < c.dim; ++i) xs[t][i] += d[i];
    }
  }
  const Vec h = rmsnorm(xs.back(), vec("model.norm.weight"), c.rms_eps);
  const bool tied = c.tied || !tensors.count("lm_head.weight");
  return matvec(tied ? embed : load("lm_head.weight"), h);
}

}  // namespace reach::run::testing
