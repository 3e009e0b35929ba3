#pragma once
// Prefill products through OpenBLAS's sgemm, one slice of W's rows per pool
// thread: each thread runs a single-threaded sgemm, so that OpenBLAS's own
// threads never compete with the pool for the cores.
#include <cstdint>

namespace reach::run {

// Makes OpenBLAS single-threaded (process-wide, once): the pool does the
// threading. Called before the first product.
void use_single_threaded_blas();

// y_cols[i, r] = Σ_k x[i, k] · w_rows[r, k] for the n rows of x (n × in)
// and `rows` rows of w (rows × in), y_cols with row stride ldy.
void sgemm_rows(const float* x, int64_t n, int64_t in, const float* w_rows, int64_t rows, float* y_cols,
                int64_t ldy);

}  // namespace reach::run
