#pragma once
// The element-wise and per-row operations of a Llama-family layer. Each
// works on F32 activations in place or into a caller's buffer; none
// allocates.
#include <cstdint>
#include <vector>

#include "formats/model_config.h"
#include "formats/model_source.h"
#include "kernels/cpu_features.h"

namespace reach::run {

// out[i] = x[i] / sqrt(mean(x²) + eps) * w[i], for n elements (out may be x).
void rmsnorm(const float* x, const float* w, float* out, int64_t n, float eps);

// The rotation frequency of each of the head_dim/2 pairs: theta^(-2i/head_dim),
// reshaped by Llama-3's rope scaling when scaling.factor > 0.
std::vector<float> rope_inv_freq(int32_t head_dim, float theta, const RopeScaling& scaling);

// Rotates every head of x ({n_heads, head_dim}) by position pos. HalfSplit
// pairs element i with i + head_dim/2 (HF's rotate_half); AdjacentPairs pairs
// 2i with 2i+1 (GGUF's permuted q/k rows). cos/sin hold head_dim/2 values
// for this position (rope_cos_sin).
void rope_cos_sin(int64_t pos, const std::vector<float>& inv_freq, float* cos_out, float* sin_out);
void rope(float* x, int32_t n_heads, int32_t head_dim, const float* cos, const float* sin, RopeStyle style);

// Softmax without its division: x = exp(x - max) in place, and the return
// value 1 / sum (attention scales its sums of values by it instead of
// every weight: group × head_dim products instead of group × positions).
float exp_shifted(float* x, int64_t n);

// SwiGLU's gate: gate[i] = silu(gate[i]) * up[i]. `isa`: 8 lanes at a time,
// or 16 for avx512_vnni (the same bits; tests try each).
void silu_mul(float* gate, const float* up, int64_t n, Isa isa = chosen_isa());

// y[i] += x[i]
void add_inplace(float* y, const float* x, int64_t n);

}  // namespace reach::run
