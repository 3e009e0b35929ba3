#include "lora/lora_delta.h"

#include <cblas.h>

#include <vector>

#include "kernels/blas_rows.h"

namespace reach::run {

void add_lora_delta(const LoraDelta& d, const float* x, int64_t n, float* y) {
  use_single_threaded_blas();
  std::vector<float> t(static_cast<size_t>(n * d.rank));  // {n, rank}: x · Aᵀ
  const int in = static_cast<int>(d.in), out = static_cast<int>(d.out), r = static_cast<int>(d.rank);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(n), r, in, 1.0f, x, in, d.a.data(), in, 0.0f,
              t.data(), r);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(n), out, r, d.scale, t.data(), r, d.b.data(),
              r, 1.0f, y, out);
}

}  // namespace reach::run
