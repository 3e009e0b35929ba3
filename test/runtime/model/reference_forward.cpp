#include "reference_forward.h"

#include <cmath>
#include <numbers>
#include <string>

#include "kernels/quant.h"

namespace reach::run::testing {

namespace {

using Vec = std::vector<double>;

struct Tensor {
  std::vector<int64_t> shape;
  Vec data;
  double at(int64_t r, int64_t c) const { return data[static_cast<size_t>(r * shape.back() + c)]; }
};

Tensor load(const ModelSource& s, const std::string& name) {
  const TensorView& t = s.get(name);
  Tensor out{t.shape, {}};
  std::vector<float> row(static_cast<size_t>(t.cols()));
  for (int64_t r = 0; r < t.rows(); ++r) {
    dequantize_row(t.dtype, t.data + static_cast<size_t>(r) * t.row_bytes(), row.data(), t.cols());
    out.data.insert(out.data.end(), row.begin(), row.end());
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
double inv_freq(const ModelConfig& c, int i) {
  double f = 1.0 / std::pow(static_cast<double>(c.rope_theta), 2.0 * i / c.head_dim);
  const RopeScaling& s = c.rope_scaling;
  if (s.factor <= 0) return f;
  const double wavelen = 2 * std::numbers::pi / f;
  const double low = s.original_max_position / s.low_freq_factor, high = s.original_max_position / s.high_freq_factor;
  if (wavelen > low) return f / s.factor;
  if (wavelen < high) return f;
  const double smooth = (s.original_max_position / wavelen - s.low_freq_factor) / (s.high_freq_factor - s.low_freq_factor);
  return (1 - smooth) * f / s.factor + smooth * f;
}

// rotate_half on each head of x at position pos.
void rope_half(Vec& x, const ModelConfig& c, int64_t n_heads, int64_t pos) {
  const int hd = c.head_dim;
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

Vec vec(const ModelSource& s, const std::string& name) { return load(s, name).data; }

}  // namespace

std::vector<double> reference_logits(const ModelSource& s, const std::vector<int32_t>& tokens) {
  const ModelConfig& c = s.config();
  const int64_t hd = c.head_dim, n = static_cast<int64_t>(tokens.size());
  const Tensor embed = load(s, "model.embed_tokens.weight");
  std::vector<Vec> xs;
  for (int32_t t : tokens)
    xs.emplace_back(embed.data.begin() + t * c.dim, embed.data.begin() + (t + 1) * c.dim);

  for (int l = 0; l < c.n_layers; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    const Tensor wq = load(s, p + "self_attn.q_proj.weight"), wk = load(s, p + "self_attn.k_proj.weight"),
                 wv = load(s, p + "self_attn.v_proj.weight"), wo = load(s, p + "self_attn.o_proj.weight"),
                 wg = load(s, p + "mlp.gate_proj.weight"), wu = load(s, p + "mlp.up_proj.weight"),
                 wd = load(s, p + "mlp.down_proj.weight");
    const Vec n1 = vec(s, p + "input_layernorm.weight"), n2 = vec(s, p + "post_attention_layernorm.weight");
    std::vector<Vec> qs, ks, vs;
    for (int64_t t = 0; t < n; ++t) {
      const Vec h = rmsnorm(xs[t], n1, c.rms_eps);
      Vec q = matvec(wq, h), k = matvec(wk, h), v = matvec(wv, h);
      if (c.qkv_bias) {
        const Vec bq = vec(s, p + "self_attn.q_proj.bias"), bk = vec(s, p + "self_attn.k_proj.bias"),
                  bv = vec(s, p + "self_attn.v_proj.bias");
        for (size_t i = 0; i < q.size(); ++i) q[i] += bq[i];
        for (size_t i = 0; i < k.size(); ++i) k[i] += bk[i], v[i] += bv[i];
      }
      if (c.qk_norm) {
        const Vec qn = vec(s, p + "self_attn.q_norm.weight"), kn = vec(s, p + "self_attn.k_norm.weight");
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
  const Vec h = rmsnorm(xs.back(), vec(s, "model.norm.weight"), c.rms_eps);
  const bool tied = c.tied_embeddings || s.find("lm_head.weight") == nullptr;
  return matvec(tied ? embed : load(s, "lm_head.weight"), h);
}

}  // namespace reach::run::testing
