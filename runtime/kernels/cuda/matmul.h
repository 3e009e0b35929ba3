#pragma once
// Y[n, rows] = X[n, cols] · Wᵀ on the GPU, the CUDA twin of WeightMatrix's
// gemv/gemm (kernels/matmul.h), one implementation per weight type:
//   n ≤ kGemvMaxTokens (decode, the server's batched decode): a GEMV kernel
//     that reads each weight row once for all n rows of X, one warp a row.
//     Q8_0/Q4_0 weights multiply X quantized to Q8_0 as the CPU quantizes it,
//     with exact integer dot products per 32-element block (dp4a), and so
//     do Q4_1/Q5_0/Q5_1 (with block_q8_1's sums); the K-quants multiply X
//     quantized to Q8_K as the CPU does (block_codes.h); F16
//     weights multiply X rounded to F16, as on the CPU; BF16 and F32 weights
//     multiply X as it is. Memory-bound: what it costs is reading W.
//   larger n (prefill): cuBLAS with F32 accumulation. F16 and BF16 weights
//     in place against X rounded to their type (tensor cores); Q8_0/Q4_0
//     weights dequantized to F16 a slice of rows at a time into a bounded
//     scratch, then the same GEMM (and every other quantized type); F32
//     weights through SGEMM.
#include <cuda_runtime_api.h>

#include <cstdint>
#include <span>

#include "kernels/cuda/cuda_ops.h"
#include "kernels/cuda/device.h"

namespace reach::run::cuda {

inline constexpr int64_t kGemvMaxTokens = 8;

class Matmul {
 public:
  explicit Matmul(cudaStream_t stream);
  ~Matmul();
  Matmul(const Matmul&) = delete;
  Matmul& operator=(const Matmul&) = delete;

  // x {n, w.cols} and y {n, w.rows} in device memory. Scratch grows to the
  // largest n and w seen, and is kept. `rows_as_alone`: each row must have
  // the bits it has alone (tokens of different sequences): the GEMV, whose
  // rows do not depend on each other, in pieces of kGemvMaxTokens rows.
  void operator()(const DeviceMatrix& w, const float* x, int64_t n, float* y, bool rows_as_alone = false);
  // Y_i = X · W_iᵀ for several matrices of the same width (q, k and v; gate
  // and up): the GEMV quantizes X once for all that read the same
  // activation type, and runs up to three matrices of one type in one
  // launch. Each y_i has the bits of its product alone.
  struct Product {
    const DeviceMatrix* w;
    float* y;
    bool add = false;  // y += X · Wᵀ (the residual add), in the product's one rounding
  };
  void operator()(std::span<const Product> products, const float* x, int64_t n, bool rows_as_alone = false);
  // Counts the scratch's reallocations: a captured graph that read the old
  // scratch is stale once this moves.
  uint64_t scratch_generation() const { return generation_; }

 private:
  // What the GEMV rounds X to first, for each weight type.
  enum class Activation { AsIs, Q8_0, Q8_0WithSums, Q8_K };
  static Activation activation_for(DType type);
  void quantize(Activation kind, const float* x, int64_t n, int64_t cols);
  void gemm(const DeviceMatrix& w, const float* x, int64_t n, float* y, bool add);
  void grow(DeviceBuffer& b, size_t bytes, const char* what);

  cudaStream_t stream_;
  void* blas_ = nullptr;  // cublasHandle_t, opaque here
  // X as Q8_0: {n, cols} int8, {n, cols/32} F32 scales (each an F16 value),
  // and for Q4_1/Q5_0/Q5_1 {n, cols/32} scaled sums; or as Q8_K: {n, cols/256} F32 scales.
  DeviceBuffer x_quants_, x_scales_, x_sums_;
  DeviceBuffer x_half_;               // X rounded to F16 or BF16 {n, cols}
  DeviceBuffer w_half_;               // a slice of dequantized W, F16
  uint64_t generation_ = 0;
};

}  // namespace reach::run::cuda
