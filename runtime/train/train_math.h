#pragma once
// The operations of a Llama-family layer with their backward passes, for
// training (lora_trainer.h), in float (training) or double (the tests'
// finite differences). Each backward takes what its forward saved and the
// gradient of its output, and returns (or adds) the gradient of its input.
// Plain loops and BLAS: training is compute-bound on GEMMs, whose BLAS is
// multi-threaded by the callers splitting rows over the pool.
#include <cstdint>

#include "formats/model_source.h"

namespace reach::run::train {

// C {m, n} = alpha · op(A) · op(B) + beta · C, row-major, as cblas_?gemm.
template <class T>
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t lda, const T* b,
          int64_t ldb, T beta, T* c, int64_t ldc);

// out = x / rms(x) · w over rows of n; rstd[r] = 1 / sqrt(mean(x²) + eps).
template <class T>
void rmsnorm_rows(const T* x, const T* w, T* out, T* rstd, int64_t rows, int64_t n, double eps);
// dx (+)= the gradient of rmsnorm's input from dy, for the same rows.
template <class T>
void rmsnorm_rows_backward(const T* dy, const T* x, const T* w, const T* rstd, T* dx, int64_t rows, int64_t n,
                           bool accumulate);

// Rotates each head of each of `rows` rows ({rows, heads·head_dim}) by
// its row's angles cos/sin ({rows, head_dim/2}); `inverse` rotates back,
// which is also the backward of the rotation.
template <class T>
void rope_rows(T* x, int64_t rows, int64_t heads, int64_t head_dim, const T* cos, const T* sin, RopeStyle style,
               bool inverse);

// act = silu(gate) · up; its backward into d_gate, d_up.
template <class T>
void silu_mul_forward(const T* gate, const T* up, T* act, int64_t n);
template <class T>
void silu_mul_backward(const T* d_act, const T* gate, const T* up, T* d_gate, T* d_up, int64_t n);

// Mean cross-entropy of rows of logits {rows, vocab} against labels (-1:
// not scored), and, in place, its gradient: (softmax − onehot) / scored.
// Returns {sum of the NLLs, scored}.
template <class T>
std::pair<double, int64_t> cross_entropy_backward(T* logits, const int32_t* labels, int64_t rows, int64_t vocab);

// Causal grouped-query attention of one sequence of n tokens from position
// 0: q {n, H·d}, k/v {n, Hkv·d}; probs {H, n, n} saved (row i holds
// softmax(q_i·k_j / √d) for j ≤ i, zeros after); out {n, H·d}.
struct HeadShape {
  int64_t heads, kv_heads, head_dim;
};
template <class T>
void attention_forward(const T* q, const T* k, const T* v, int64_t n, HeadShape s, T* probs, T* out);
// From d_out {n, H·d}: dq {n, H·d} (written), dk and dv {n, Hkv·d} (written).
// `scratch` holds n·n values.
template <class T>
void attention_backward(const T* d_out, const T* q, const T* k, const T* v, const T* probs, int64_t n, HeadShape s,
                        T* dq, T* dk, T* dv, T* scratch);

}  // namespace reach::run::train
