#pragma once
// Q8_K, the activation of every product with K-quant weights (Q2_K to
// Q6_K): as in llama.cpp (ggml's vec_dot_type for these types), a row is
// first quantized to 256-element blocks with a float scale and the sums of
// each 16 codes, so that the products' sums are exact integers
// (kernels/row_groups_k_kernel.h).
#include <cstdint>

namespace reach::run {

struct BlockQ8K {
  float d;            // x ≈ q · d
  int8_t qs[256];     // in [-127, 127]
  int16_t bsums[16];  // Σ of each 16 consecutive qs
};
static_assert(sizeof(BlockQ8K) == 292);

// Quantizes n floats (n a multiple of 256) as ggml's quantize_row_q8_K_ref:
// the scale is -max/127 for the element of largest magnitude (so that one
// is -127), codes rounded to nearest, ties to even. A block too small for
// a finite scale quantizes to zeros with d = 0.
void quantize_row_q8_k(const float* x, BlockQ8K* out, int64_t n);

}  // namespace reach::run
