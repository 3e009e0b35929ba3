// The per-row ops of the CUDA backend (cuda_ops.h): RMSNorm, RoPE, SwiGLU's
// product, bias adds, the KV cache's stores and the embedding lookup (the
// residual adds are in the matrix products' stores: matmul.h).

#include <algorithm>

#include "kernels/cuda/cuda_ops.h"
#include "kernels/cuda/device_element.cuh"
#include "kernels/cuda/reduce.cuh"

namespace reach::run::cuda {

namespace {

constexpr int kThreads = 256;

int blocks_for(int64_t n) { return static_cast<int>((n + kThreads - 1) / kThreads); }

// One block per row, about four values a thread, whose loads the unrolled
// loops issue together (with 256 threads and one value at a time, ncu timed
// a 4096-wide row at 16 µs on an H100: 32 round trips to memory in a row).
// Σx² in double, as the CPU op (and ggml) does.
__global__ void rmsnorm_kernel(const float* x, const float* w, float* out, int64_t width, float eps) {
  const float* row = x + blockIdx.x * width;
  double sum = 0.0;
#pragma unroll 4
  for (int64_t i = threadIdx.x; i < width; i += blockDim.x) sum += static_cast<double>(row[i]) * row[i];
  sum = block_sum(sum);
  const float scale = 1.0f / sqrtf(static_cast<float>(sum / static_cast<double>(width)) + eps);
#pragma unroll 4
  for (int64_t i = threadIdx.x; i < width; i += blockDim.x) out[blockIdx.x * width + i] = row[i] * scale * w[i];
}

// One thread per rotated pair: (token, head, i) of q, then of k.
__global__ void rope_kernel(float* q, int64_t q_pairs, int32_t q_heads, float* k, int64_t pairs, int32_t k_heads,
                            int32_t head_dim, const float* cos, const float* sin, bool half_split) {
  int64_t p = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (p >= pairs) return;
  const bool is_q = p < q_pairs;
  float* x = is_q ? q : k;
  const int32_t n_heads = is_q ? q_heads : k_heads;
  if (!is_q) p -= q_pairs;
  const int32_t half = head_dim / 2;
  const int64_t i = p % half, head = p / half;  // head counts over all tokens
  const int64_t token = head / n_heads;
  float* v = x + head * head_dim;
  float& a = half_split ? v[i] : v[2 * i];
  float& b = half_split ? v[i + half] : v[2 * i + 1];
  const float c = cos[token * half + i], s = sin[token * half + i];
  const float a0 = a, b0 = b;
  a = a0 * c - b0 * s;
  b = a0 * s + b0 * c;
}

__global__ void silu_mul_kernel(float* gate, const float* up, int64_t n) {
  const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (i < n) gate[i] = gate[i] / (1.0f + expf(-gate[i])) * up[i];
}

__global__ void add_rows_kernel(float* y, const float* bias, int64_t n, int64_t width) {
  const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (i < n) y[i] += bias[i % width];
}

__global__ void store_kv_kernel(KvRows rows, const int64_t* pos, int64_t count) {
  const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (i >= 2 * count) return;
  const bool key = i < count;
  const int64_t j = key ? i : i - count;
  (key ? rows.keys : rows.values)[*pos * rows.width + j] = (key ? rows.k : rows.v)[j];
}

__global__ void get_rows_kernel(DeviceMatrix table, const int32_t* ids, int64_t n, float* out) {
  const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (i >= n * table.cols) return;
  const int64_t t = i / table.cols, c = i % table.cols;
  out[i] = element(table, ids[t], c);
}

}  // namespace

void rmsnorm(const float* x, const float* w, float* out, int64_t rows, int64_t width, float eps, cudaStream_t s) {
  if (rows == 0) return;
  const auto threads = static_cast<unsigned>(std::clamp<int64_t>((width / 4 + 31) / 32 * 32, 32, 1024));
  rmsnorm_kernel<<<static_cast<unsigned>(rows), threads, 0, s>>>(x, w, out, width, eps);
  check(cudaGetLastError(), "rmsnorm");
}

void rope(float* q, int32_t q_heads, float* k, int32_t k_heads, int64_t n_tokens, int32_t head_dim, const float* cos,
          const float* sin, RopeStyle style, cudaStream_t s) {
  const int64_t q_pairs = n_tokens * q_heads * (head_dim / 2);
  const int64_t pairs = q_pairs + (k ? n_tokens * k_heads * (head_dim / 2) : 0);
  if (pairs == 0) return;
  rope_kernel<<<blocks_for(pairs), kThreads, 0, s>>>(q, q_pairs, q_heads, k, pairs, k_heads, head_dim, cos, sin,
                                                      style == RopeStyle::HalfSplit);
  check(cudaGetLastError(), "rope");
}

void silu_mul(float* gate, const float* up, int64_t n, cudaStream_t s) {
  if (n == 0) return;
  silu_mul_kernel<<<blocks_for(n), kThreads, 0, s>>>(gate, up, n);
  check(cudaGetLastError(), "silu_mul");
}

void add_rows(float* y, const float* bias, int64_t rows, int64_t width, cudaStream_t s) {
  if (rows * width == 0) return;
  add_rows_kernel<<<blocks_for(rows * width), kThreads, 0, s>>>(y, bias, rows * width, width);
  check(cudaGetLastError(), "add_rows");
}

void store_kv(const KvRows& rows, const int64_t* pos, int64_t n, cudaStream_t s) {
  if (n * rows.width == 0) return;
  store_kv_kernel<<<blocks_for(2 * n * rows.width), kThreads, 0, s>>>(rows, pos, n * rows.width);
  check(cudaGetLastError(), "store_kv");
}

void get_rows(const DeviceMatrix& table, const int32_t* ids, int64_t n, float* out, cudaStream_t s) {
  if (n == 0) return;
  get_rows_kernel<<<blocks_for(n * table.cols), kThreads, 0, s>>>(table, ids, n, out);
  check(cudaGetLastError(), "get_rows");
}

}  // namespace reach::run::cuda
