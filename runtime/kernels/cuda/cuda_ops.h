#pragma once
// The CUDA backend's ops: one implementation of each, launched on a stream
// over device pointers, each the GPU twin of the CPU op of the same name
// (kernels/ops.h, attention.h, matmul.h). test/runtime/cuda/backend_ops_test
// runs every one against its CPU twin on random inputs of many shapes.
// Plain C++: the model's CUDA forward (model/cuda_forward.cpp) includes it.
#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

#include "formats/model_source.h"
#include "formats/tensor_type.h"
#include "kernels/attention.h"
#include "kernels/device_error.h"

// Functions both the host and the kernels call.
#ifdef __CUDACC__
#define REACH_HOST_DEVICE __host__ __device__
#else
#define REACH_HOST_DEVICE
#endif

namespace reach::run::cuda {

using CudaError = DeviceError;
// Throws CudaError "`what`: <CUDA's message>" unless e is cudaSuccess.
void check(cudaError_t e, const char* what);

// A weight matrix {rows, cols} in device memory, in the layout its kernels
// read (repack_for_device writes it):
//   F32/F16/BF16: the file's rows as they are;
//   Q8_0: int8 quants {rows, cols}, then F16 scales {rows, cols/32};
//   Q4_0: 4-bit quants {rows, cols/2}, each 32-element block's 16 bytes in
//         ggml's order (low nibbles elements 0..15, high 16..31), then F16
//         scales {rows, cols/32}.
// Splitting quants from scales keeps every 32-element block's quants 16- or
// 32-byte aligned, so a thread reads a block in one or two vector loads.
//   Q4_1, Q5_0, Q5_1 and the K-quants: the file's rows (block_codes.h).
struct DeviceMatrix {
  DType dtype = DType::F32;
  int64_t rows = 0, cols = 0;
  const std::byte* data = nullptr;  // device memory, device_matrix_bytes() long

  // Q8_0/Q4_0: the quants' bytes per row, and the F16 scales after them.
  REACH_HOST_DEVICE int64_t quant_row_bytes() const { return dtype == DType::Q4_0 ? cols / 2 : cols; }
  REACH_HOST_DEVICE const uint16_t* scales() const {
    return reinterpret_cast<const uint16_t*>(data + rows * quant_row_bytes());
  }
};
// Whether the backend has kernels for `type`, and the bytes of its layout.
bool has_device_kernel(DType type);
size_t device_matrix_bytes(DType type, int64_t rows, int64_t cols);
// The file's rows of `type` (`src`, rows × cols) into the device layout at
// `dst` (host memory, device_matrix_bytes long): a copy for F32/F16/BF16.
void repack_for_device(DType type, int64_t rows, int64_t cols, const std::byte* src, std::byte* dst);

// ---- per-row ops (kernels/ops.h) ----
// out[r] = x[r] / rms(x[r]) * w for each of `rows` rows of `width`.
void rmsnorm(const float* x, const float* w, float* out, int64_t rows, int64_t width, float eps, cudaStream_t s);
// Rotates each head of q {n_tokens, q_heads * head_dim} and of k (when not
// null) {n_tokens, k_heads * head_dim}, in one launch; cos/sin {n_tokens, head_dim/2}.
void rope(float* q, int32_t q_heads, float* k, int32_t k_heads, int64_t n_tokens, int32_t head_dim, const float* cos,
          const float* sin, RopeStyle style, cudaStream_t s);
// gate = silu(gate) * up, n elements.
void silu_mul(float* gate, const float* up, int64_t n, cudaStream_t s);
// y[r] += bias for each of `rows` rows of `width`.
void add_rows(float* y, const float* bias, int64_t rows, int64_t width, cudaStream_t s);
// A layer's new keys and values, and the cache rows they go to.
struct KvRows {
  float* keys;    // the layer's cache {capacity, width}
  float* values;
  const float* k;  // {n, width}
  const float* v;
  int64_t width;
};
// Rows [*pos, *pos + n) of keys and values = the n rows of k and v, with
// the position read from device memory (a replayed decode step's).
void store_kv(const KvRows& rows, const int64_t* pos, int64_t n, cudaStream_t s);
// out[t] = row ids[t] of `table` as F32 (the embedding lookup); ids on the device.
void get_rows(const DeviceMatrix& table, const int32_t* ids, int64_t n, float* out, cudaStream_t s);

// ---- attention (kernels/attention.h) ----
// q {n_tokens, n_heads*head_dim}, token t at position pos0 + t; k, v
// {positions, n_kv_heads*head_dim} with positions 0 .. pos0 + n_tokens - 1
// filled; out like q. Causal, grouped-query, online softmax over tiles of
// keys held in shared memory (no score matrix in memory). head_dim: a
// multiple of 32 up to 256 (attention_supports). With `pos0_at`, pos0 is
// read from device memory there when the kernel runs (a captured decode
// step replays at every position).
// With `scratch` (attention_scratch_floats long), a few tokens (decode) see
// their keys in attention_splits(n_tokens, pos0 + n_tokens) runs, one block
// each, combined after (FlashDecoding): one block a head would walk a long
// cache alone with most of the GPU idle.
bool attention_supports(int32_t head_dim);
void attention(const float* q, int64_t n_tokens, int64_t pos0, const float* k, const float* v, AttentionShape shape,
               float* out, cudaStream_t s, const int64_t* pos0_at = nullptr, float* scratch = nullptr);
inline constexpr int64_t kMaxSplitTokens = 8, kKeysPerSplit = 256, kMaxSplits = 32;
// One run per 256 keys, up to 32, for up to 8 tokens; else 1.
int attention_splits(int64_t n_tokens, int64_t positions);
size_t attention_scratch_floats(int64_t n_tokens, AttentionShape shape);

}  // namespace reach::run::cuda
