#pragma once
// Products with a weight matrix W {out, in} (rows contiguous, any storage
// type): one kernel per storage type, looked up once when the model loads.
//   gemv: y[out] = W · x[in]                     decode, AVX2 + thread pool
//   gemm: Y[n, out] = X[n, in] · Wᵀ              prefill, OpenBLAS sgemm
// As in llama.cpp, F16 weights multiply an activation rounded to F16 and
// Q8_0/Q4_0 weights an activation quantized to Q8_0, with integer dot
// products per 32-element block; the prefill GEMM feeds sgemm the same
// rounded/quantized activations, so prefill and decode agree.
#include <cstdint>

#include "formats/tensor.h"
#include "kernels/thread_pool.h"

namespace reach::run {

struct MatMulKernel {
  DType weight_type;
  void (*gemv)(const TensorView& w, const float* x, float* y, ThreadPool& pool);
  void (*gemm)(const TensorView& w, const float* x, int64_t n, float* y, ThreadPool& pool);
};

// Throws std::invalid_argument naming the type when there is no kernel for it,
// or when W's row length is not a whole number of blocks.
const MatMulKernel& matmul_kernel_for(const TensorView& w);

}  // namespace reach::run
