#include "train/train_math.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

namespace reach::run::train {

template <class T>
void gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t lda, const T* b, int64_t ldb,
          T beta, T* c, int64_t ldc) {
  const auto blas = [&](auto fn) {
    fn(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, static_cast<int>(m),
       static_cast<int>(n), static_cast<int>(k), alpha, a, static_cast<int>(lda), b, static_cast<int>(ldb), beta, c,
       static_cast<int>(ldc));
  };
  if constexpr (std::is_same_v<T, float>) blas(cblas_sgemm);
  else blas(cblas_dgemm);
}

template <class T>
void rmsnorm_rows(const T* x, const T* w, T* out, T* rstd, int64_t rows, int64_t n, double eps) {
  for (int64_t r = 0; r < rows; ++r) {
    const T* xr = x + r * n;
    double ss = 0;
    for (int64_t i = 0; i < n; ++i) ss += static_cast<double>(xr[i]) * xr[i];
    const T s = static_cast<T>(1.0 / std::sqrt(ss / static_cast<double>(n) + eps));
    rstd[r] = s;
    for (int64_t i = 0; i < n; ++i) out[r * n + i] = xr[i] * s * w[i];
  }
}

// y_i = x_i·s·w_i, s = (mean(x²) + eps)^(-1/2):
// dx_i = s·w_i·dy_i − x_i·s³/n · Σ_j dy_j·w_j·x_j.
template <class T>
void rmsnorm_rows_backward(const T* dy, const T* x, const T* w, const T* rstd, T* dx, int64_t rows, int64_t n,
                           bool accumulate) {
  for (int64_t r = 0; r < rows; ++r) {
    const T *dyr = dy + r * n, *xr = x + r * n;
    double dot = 0;
    for (int64_t i = 0; i < n; ++i) dot += static_cast<double>(dyr[i]) * w[i] * xr[i];
    const T s = rstd[r];
    const T c = static_cast<T>(dot * s * s * s / static_cast<double>(n));
    for (int64_t i = 0; i < n; ++i) {
      const T g = s * w[i] * dyr[i] - xr[i] * c;
      dx[r * n + i] = accumulate ? dx[r * n + i] + g : g;
    }
  }
}

template <class T>
void rope_rows(T* x, int64_t rows, int64_t heads, int64_t head_dim, const T* cos, const T* sin, RopeStyle style,
               bool inverse) {
  const int64_t half = head_dim / 2;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t h = 0; h < heads; ++h) {
      T* v = x + (r * heads + h) * head_dim;
      for (int64_t i = 0; i < half; ++i) {
        const T c = cos[r * half + i], s = inverse ? -sin[r * half + i] : sin[r * half + i];
        T& a = style == RopeStyle::HalfSplit ? v[i] : v[2 * i];
        T& b = style == RopeStyle::HalfSplit ? v[i + half] : v[2 * i + 1];
        const T a0 = a, b0 = b;
        a = a0 * c - b0 * s;
        b = a0 * s + b0 * c;
      }
    }
}

template <class T>
T sigmoid(T x) {
  return T(1) / (T(1) + std::exp(-x));
}

template <class T>
void silu_mul_forward(const T* gate, const T* up, T* act, int64_t n) {
  for (int64_t i = 0; i < n; ++i) act[i] = gate[i] * sigmoid(gate[i]) * up[i];
}

// silu'(g) = σ(g)·(1 + g·(1 − σ(g))).
template <class T>
void silu_mul_backward(const T* d_act, const T* gate, const T* up, T* d_gate, T* d_up, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const T s = sigmoid(gate[i]);
    d_up[i] = d_act[i] * gate[i] * s;
    d_gate[i] = d_act[i] * up[i] * s * (T(1) + gate[i] * (T(1) - s));
  }
}

template <class T>
std::pair<double, int64_t> cross_entropy_backward(T* logits, const int32_t* labels, int64_t rows, int64_t vocab) {
  int64_t scored = 0;
  for (int64_t r = 0; r < rows; ++r) scored += labels[r] >= 0;
  double nll = 0;
  for (int64_t r = 0; r < rows; ++r) {
    T* z = logits + r * vocab;
    if (labels[r] < 0) {
      std::fill_n(z, vocab, T(0));
      continue;
    }
    const T max = *std::max_element(z, z + vocab);
    double sum = 0;
    for (int64_t i = 0; i < vocab; ++i) sum += std::exp(static_cast<double>(z[i] - max));
    nll += std::log(sum) - static_cast<double>(z[labels[r]] - max);
    for (int64_t i = 0; i < vocab; ++i)
      z[i] = static_cast<T>(std::exp(static_cast<double>(z[i] - max)) / sum / static_cast<double>(scored));
    z[labels[r]] -= static_cast<T>(1.0 / static_cast<double>(scored));
  }
  return {nll, scored};
}

template <class T>
void attention_forward(const T* q, const T* k, const T* v, int64_t n, HeadShape s, T* probs, T* out) {
  const int64_t d = s.head_dim, group = s.heads / s.kv_heads, qs = s.heads * d, ks = s.kv_heads * d;
  const T scale = static_cast<T>(1.0 / std::sqrt(static_cast<double>(d)));
  for (int64_t h = 0; h < s.heads; ++h) {
    const int64_t kv = h / group;
    T* p = probs + h * n * n;
    gemm<T>(false, true, n, n, d, scale, q + h * d, qs, k + kv * d, ks, T(0), p, n);  // scores
    for (int64_t i = 0; i < n; ++i) {
      T* row = p + i * n;
      const T max = *std::max_element(row, row + i + 1);
      T sum = 0;
      for (int64_t j = 0; j <= i; ++j) sum += row[j] = std::exp(row[j] - max);
      for (int64_t j = 0; j <= i; ++j) row[j] /= sum;
      std::fill(row + i + 1, row + n, T(0));
    }
    gemm<T>(false, false, n, d, n, T(1), p, n, v + kv * d, ks, T(0), out + h * d, qs);
  }
}

// P = softmax(S), O = P·V:  dV = Pᵀ·dO, dP = dO·Vᵀ, dS = P ⊙ (dP − rowsum(dP ⊙ P)),
// dQ = dS·K/√d, dK = dSᵀ·Q/√d; query heads of a group add into their KV head.
template <class T>
void attention_backward(const T* d_out, const T* q, const T* k, const T* v, const T* probs, int64_t n, HeadShape s,
                        T* dq, T* dk, T* dv, T* scratch) {
  const int64_t d = s.head_dim, group = s.heads / s.kv_heads, qs = s.heads * d, ks = s.kv_heads * d;
  const T scale = static_cast<T>(1.0 / std::sqrt(static_cast<double>(d)));
  std::fill_n(dk, n * ks, T(0));
  std::fill_n(dv, n * ks, T(0));
  T* dp = scratch;
  for (int64_t h = 0; h < s.heads; ++h) {
    const int64_t kv = h / group;
    const T* p = probs + h * n * n;
    gemm<T>(true, false, n, d, n, T(1), p, n, d_out + h * d, qs, T(1), dv + kv * d, ks);
    gemm<T>(false, true, n, n, d, T(1), d_out + h * d, qs, v + kv * d, ks, T(0), dp, n);
    for (int64_t i = 0; i < n; ++i) {
      T* row = dp + i * n;
      const T* pr = p + i * n;
      T dot = 0;
      for (int64_t j = 0; j <= i; ++j) dot += row[j] * pr[j];
      for (int64_t j = 0; j <= i; ++j) row[j] = pr[j] * (row[j] - dot);
      std::fill(row + i + 1, row + n, T(0));
    }
    gemm<T>(false, false, n, d, n, scale, dp, n, k + kv * d, ks, T(0), dq + h * d, qs);
    gemm<T>(true, false, n, d, n, scale, dp, n, q + h * d, qs, T(1), dk + kv * d, ks);
  }
}

#define REACH_TRAIN_MATH(T)                                                                                         \
  template void gemm<T>(bool, bool, int64_t, int64_t, int64_t, T, const T*, int64_t, const T*, int64_t, T, T*, int64_t); \
  template void rmsnorm_rows<T>(const T*, const T*, T*, T*, int64_t, int64_t, double);                              \
  template void rmsnorm_rows_backward<T>(const T*, const T*, const T*, const T*, T*, int64_t, int64_t, bool);       \
  template void rope_rows<T>(T*, int64_t, int64_t, int64_t, const T*, const T*, RopeStyle, bool);                  \
  template void silu_mul_forward<T>(const T*, const T*, T*, int64_t);                                               \
  template void silu_mul_backward<T>(const T*, const T*, const T*, T*, T*, int64_t);                                \
  template std::pair<double, int64_t> cross_entropy_backward<T>(T*, const int32_t*, int64_t, int64_t);             \
  template void attention_forward<T>(const T*, const T*, const T*, int64_t, HeadShape, T*, T*);                     \
  template void attention_backward<T>(const T*, const T*, const T*, const T*, const T*, int64_t, HeadShape, T*, T*, \
                                      T*, T*);
REACH_TRAIN_MATH(float)
REACH_TRAIN_MATH(double)

}  // namespace reach::run::train
