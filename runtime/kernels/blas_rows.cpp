#include "kernels/blas_rows.h"

#include <cblas.h>

namespace reach::run {

void use_single_threaded_blas() {
  static const bool once = (openblas_set_num_threads(1), true);
  (void)once;
}

void sgemm_rows(const float* x, int64_t n, int64_t in, const float* w_rows, int64_t rows, float* y_cols,
                int64_t ldy) {
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(n), static_cast<int>(rows),
              static_cast<int>(in), 1.0f, x, static_cast<int>(in), w_rows, static_cast<int>(in), 0.0f, y_cols,
              static_cast<int>(ldy));
}

}  // namespace reach::run
