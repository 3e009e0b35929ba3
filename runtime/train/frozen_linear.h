#pragma once
// A frozen base weight W {out, in} for training: its forward y = x·Wᵀ and
// the backward to its input dx = dy·W, never a gradient of W itself. W
// stays as the file stores it (a view, any type: QLoRA-style for quantized
// ones); pieces of it (rows for the forward, block-aligned columns for the
// backward) are dequantized to T as a thread uses them and dropped, so a
// quantized base costs a piece per thread, not an F32 copy. F32 weights
// trained in float are used in place.
#include <cstdint>
#include <vector>

#include "formats/tensor.h"
#include "kernels/thread_pool.h"

namespace reach::run::train {

template <class T>
class FrozenLinear {
 public:
  FrozenLinear() = default;
  explicit FrozenLinear(const TensorView* w) : w_(w) {}

  // The most a thread holds dequantized at once for a {rows, cols} weight
  // (the memory plan's share of each thread).
  static size_t piece_bytes(int64_t rows, int64_t cols);

  int64_t rows() const { return w_->rows(); }  // out
  int64_t cols() const { return w_->cols(); }  // in

  // y {n, out} = x {n, in} · Wᵀ.
  void forward(const T* x, int64_t n, T* y, ThreadPool& pool) const;
  // dx {n, in} = dy {n, out} · W, or += with `accumulate`.
  void backward(const T* dy, int64_t n, T* dx, bool accumulate, ThreadPool& pool) const;

 private:
  // Rows [r0, r1) of W as T, row stride cols(): the file's bytes themselves
  // when they are already T, else dequantized into `buffer`.
  const T* rows_as_t(int64_t r0, int64_t r1, std::vector<T>& buffer) const;
  // Columns [c0, c1) of every row (c0 at a block boundary), row stride `ld`.
  const T* cols_as_t(int64_t c0, int64_t c1, std::vector<T>& buffer, int64_t& ld) const;

  const TensorView* w_ = nullptr;
};

}  // namespace reach::run::train
