#include "train/frozen_linear.h"

#include <algorithm>
#include <type_traits>

#include "kernels/quant.h"
#include "train/train_math.h"

namespace reach::run::train {
namespace {

constexpr int64_t kBlockRows = 256;  // rows of W dequantized at a time
// Token rows per product: every sgemm call has this many rows (the last
// fewer), whatever the threads' shares, so the bits do not depend on the
// thread count (BLAS kernels may sum differently for another row count).
constexpr int64_t kTokenGrain = 16;

// fn(b, e) over [b0, b1) in pieces of kTokenGrain.
template <class Fn>
void each_piece(int64_t b0, int64_t b1, const Fn& fn) {
  for (int64_t b = b0; b < b1; b += kTokenGrain) fn(b, std::min(b1, b + kTokenGrain));
}

}  // namespace

template <class T>
const T* FrozenLinear<T>::rows_as_t(int64_t r0, int64_t r1, std::vector<T>& buffer, ThreadPool& pool) const {
  if constexpr (std::is_same_v<T, float>)
    if (w_->dtype == DType::F32) return reinterpret_cast<const float*>(w_->data) + r0 * cols();
  buffer.resize(static_cast<size_t>((r1 - r0) * cols()));
  pool.parallel_for(r1 - r0, 8, [&](int64_t b, int64_t e) {
    std::vector<float> row(static_cast<size_t>(cols()));
    for (int64_t r = b; r < e; ++r) {
      dequantize_row(w_->dtype, w_->data + static_cast<size_t>(r0 + r) * w_->row_bytes(), row.data(), cols());
      std::copy(row.begin(), row.end(), buffer.begin() + r * cols());
    }
  });
  return buffer.data();
}

template <class T>
void FrozenLinear<T>::forward(const T* x, int64_t n, T* y, ThreadPool& pool) const {
  std::vector<T> buffer;
  const int64_t in = cols(), out = rows();
  for (int64_t r0 = 0; r0 < out; r0 += kBlockRows) {
    const int64_t r1 = std::min(out, r0 + kBlockRows);
    const T* w = rows_as_t(r0, r1, buffer, pool);
    pool.parallel_for(n, kTokenGrain, [&](int64_t b0, int64_t b1) {
      each_piece(b0, b1, [&](int64_t b, int64_t e) {
        gemm<T>(false, true, e - b, r1 - r0, in, T(1), x + b * in, in, w, in, T(0), y + b * out + r0, out);
      });
    });
  }
}

template <class T>
void FrozenLinear<T>::backward(const T* dy, int64_t n, T* dx, bool accumulate, ThreadPool& pool) const {
  std::vector<T> buffer;
  const int64_t in = cols(), out = rows();
  for (int64_t r0 = 0; r0 < out; r0 += kBlockRows) {
    const int64_t r1 = std::min(out, r0 + kBlockRows);
    const T* w = rows_as_t(r0, r1, buffer, pool);
    const T beta = accumulate || r0 > 0 ? T(1) : T(0);
    pool.parallel_for(n, kTokenGrain, [&](int64_t b0, int64_t b1) {
      each_piece(b0, b1, [&](int64_t b, int64_t e) {
        gemm<T>(false, false, e - b, in, r1 - r0, T(1), dy + b * out + r0, out, w, in, beta, dx + b * in, in);
      });
    });
  }
}

template class FrozenLinear<float>;
template class FrozenLinear<double>;

}  // namespace reach::run::train
