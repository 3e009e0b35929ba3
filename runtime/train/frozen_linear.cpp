#include "train/frozen_linear.h"

#include <algorithm>
#include <type_traits>

#include "formats/tensor_type.h"
#include "kernels/quant.h"
#include "train/train_math.h"

namespace reach::run::train {
namespace {

// The products are cut into pieces of a fixed size, each one BLAS call
// with all the tokens: the pool only decides which thread runs a piece, so
// the bits do not depend on the thread count, and each call is large
// enough for BLAS to run near its peak.
constexpr int64_t kRowPiece = 128;  // forward: rows of W (columns of y) per piece
constexpr int64_t kColPiece = 256;  // backward: columns of W (of dx) per piece; a multiple of every block size

// fn(b, e) over [b0, b1) in pieces of `piece`.
template <class Fn>
void each_piece(int64_t b0, int64_t b1, int64_t piece, const Fn& fn) {
  for (int64_t b = b0; b < b1; b += piece) fn(b, std::min(b1, b + piece));
}

}  // namespace

template <class T>
size_t FrozenLinear<T>::piece_bytes(int64_t rows, int64_t cols) {
  return static_cast<size_t>(std::max(kRowPiece * cols, rows * kColPiece)) * sizeof(T);
}

template <class T>
const T* FrozenLinear<T>::rows_as_t(int64_t r0, int64_t r1, std::vector<T>& buffer) const {
  if constexpr (std::is_same_v<T, float>)
    if (w_->dtype == DType::F32) return reinterpret_cast<const float*>(w_->data) + r0 * cols();
  buffer.resize(static_cast<size_t>((r1 - r0) * cols()));
  std::vector<float> row(static_cast<size_t>(cols()));
  for (int64_t r = r0; r < r1; ++r) {
    dequantize_row(w_->dtype, w_->data + static_cast<size_t>(r) * w_->row_bytes(), row.data(), cols());
    std::copy(row.begin(), row.end(), buffer.begin() + (r - r0) * cols());
  }
  return buffer.data();
}

template <class T>
const T* FrozenLinear<T>::cols_as_t(int64_t c0, int64_t c1, std::vector<T>& buffer, int64_t& ld) const {
  if constexpr (std::is_same_v<T, float>)
    if (w_->dtype == DType::F32) {
      ld = cols();
      return reinterpret_cast<const float*>(w_->data) + c0;
    }
  const int64_t width = c1 - c0;
  const size_t skip = type_traits(w_->dtype).row_bytes(c0);  // c0 starts a block
  buffer.resize(static_cast<size_t>(rows() * width));
  std::vector<float> part(static_cast<size_t>(width));
  for (int64_t r = 0; r < rows(); ++r) {
    dequantize_row(w_->dtype, w_->data + static_cast<size_t>(r) * w_->row_bytes() + skip, part.data(), width);
    std::copy(part.begin(), part.end(), buffer.begin() + r * width);
  }
  ld = width;
  return buffer.data();
}

template <class T>
void FrozenLinear<T>::forward(const T* x, int64_t n, T* y, ThreadPool& pool) const {
  const int64_t in = cols(), out = rows();
  pool.parallel_for(out, kRowPiece, [&](int64_t b0, int64_t b1) {
    std::vector<T> buffer;
    each_piece(b0, b1, kRowPiece, [&](int64_t r0, int64_t r1) {
      const T* w = rows_as_t(r0, r1, buffer);
      gemm<T>(false, true, n, r1 - r0, in, T(1), x, in, w, in, T(0), y + r0, out);
    });
  });
}

template <class T>
void FrozenLinear<T>::backward(const T* dy, int64_t n, T* dx, bool accumulate, ThreadPool& pool) const {
  const int64_t in = cols(), out = rows();
  pool.parallel_for(in, kColPiece, [&](int64_t b0, int64_t b1) {
    std::vector<T> buffer;
    each_piece(b0, b1, kColPiece, [&](int64_t c0, int64_t c1) {
      int64_t ld = 0;
      const T* w = cols_as_t(c0, c1, buffer, ld);
      gemm<T>(false, false, n, c1 - c0, out, T(1), dy, out, w, ld, accumulate ? T(1) : T(0), dx + c0, in);
    });
  });
}

template class FrozenLinear<float>;
template class FrozenLinear<double>;

}  // namespace reach::run::train
