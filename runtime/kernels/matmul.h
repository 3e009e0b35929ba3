#pragma once
// Products with a weight matrix W {out, in} (rows contiguous, any storage
// type), through the one kernel for its storage type, chosen once when the
// model loads:
//   gemv: y[out] = W · x[in]                     decode
//   gemm: Y[n, out] = X[n, in] · Wᵀ              prefill
// As in llama.cpp, F16 weights multiply an activation rounded to F16 and
// Q8_0/Q4_0 weights an activation quantized to Q8_0 (K-quants to Q8_K),
// with exact integer dot products per block; the prefill GEMM sees the
// same rounded or quantized activations, so prefill and decode agree.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "formats/tensor.h"
#include "kernels/cpu_features.h"
#include "kernels/packed_storage.h"
#include "kernels/thread_pool.h"

namespace reach::run {

// W in the layout its kernel reads. F32/F16/BF16: W's rows where the file
// has them (a view; OpenBLAS sgemm for prefill, AVX2 dot products for
// decode). Q8_0, Q4_0 and the K-quants (Q2_K to Q6_K): repacked here, once,
// into groups of eight interleaved rows (kernels/row_groups.h), which costs
// one copy of W in memory and makes decode memory-bound instead of
// instruction-bound. Q4_1/Q5_0/Q5_1: the file's rows, one integer row dot
// for decode and prefill (kernels/block_dot.h).
class WeightMatrix {
 public:
  WeightMatrix() = default;
  // Bytes the packed form of `w` takes from a PackedStorage: 0 for the
  // types read in place. `panel_columns`: the constructor's.
  static size_t packed_bytes(const TensorView& w, int64_t panel_columns = panel_width().columns);
  // Throws std::invalid_argument naming the tensor when its type has no
  // kernel or its rows are not a whole number of blocks. `w`'s bytes (for
  // F32/F16/BF16) and `storage` must outlive this object. `isa`: the
  // instruction-set variant of the Q8_0/Q4_0 kernel (tests try each);
  // `panel_columns`: the widest column panel of the Q8_0/Q4_0 packing
  // (kernels/row_groups.h; tests try several). Neither changes the bits.
  WeightMatrix(const TensorView& w, PackedStorage& storage, ThreadPool& pool, Isa isa = chosen_isa(),
               int64_t panel_columns = panel_width().columns);

  DType dtype() const { return dtype_; }
  Isa isa() const { return isa_; }
  int64_t panel_columns() const { return panel_columns_; }
  int64_t rows() const { return rows_; }
  int64_t cols() const { return cols_; }
  // The bytes one product streams: the file's size of W.
  size_t nbytes() const { return nbytes_; }
  // What the kernel reads: the file's rows, or the packed copy.
  const std::byte* data() const { return data_; }

  void gemv(const float* x, float* y, ThreadPool& pool) const;
  void gemm(const float* x, int64_t n, float* y, ThreadPool& pool) const;

  // Y_i[n, rows_i] = X[n, in] · W_iᵀ for several matrices of one input
  // (q, k and v; gate and up), each Y_i with the bits of W_i.gemm (of gemv
  // for n = 1). Where the kernels allow it (row groups of types that share
  // the quantized activation, with the same instruction set and panels), X
  // is quantized once and the threads take all the matrices in one pass:
  // one hand-off and one wait instead of one per matrix, which on a small
  // matrix such as k or v {256, 2048} cost about as much as its read.
  // Otherwise one product after another.
  struct Product {
    const WeightMatrix* w;
    float* y;
  };
  static void gemm_each(std::span<const Product> products, const float* x, int64_t n, ThreadPool& pool);
  // Whether each row of gemm has gemv's bits. True for the quantized types
  // (one kernel for both); F32/F16/BF16 GEMMs go through
  // BLAS, whose summation order differs from the GEMV's.
  bool gemm_rows_equal_gemv() const;

  struct Kernel;  // one per storage type, in matmul.cpp

 private:
  DType dtype_ = DType::F32;
  Isa isa_ = Isa::avx2;
  int64_t panel_columns_ = 0;
  int64_t rows_ = 0, cols_ = 0;
  size_t nbytes_ = 0;
  const Kernel* kernel_ = nullptr;
  const std::byte* data_ = nullptr;  // the file's rows, or their packed form
};

}  // namespace reach::run
