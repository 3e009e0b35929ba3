#pragma once
// Products with K-quant weight rows (Q2_K, Q3_K), read in place from the
// file (Q4_K, Q5_K and Q6_K are repacked into row groups with
// this same arithmetic: kernels/row_groups_k_kernel.h; their activation is
// the Q8_K defined here). As in llama.cpp, the activation is first quantized
// to Q8_K (256-element blocks with a float scale and the sums of each 16
// codes: ggml's vec_dot_type for these types). Then every sum is an exact
// integer in one of eight lanes, and per super-block one FMA per lane adds
// it, as ggml's AVX2 code does:
//   codes(l) = Σ_g Σ_{k<4} sc(e)·q(e)·q8(e),  e = 32g + 4l + k   sc per 16 elements
//   subs(l)  = Σ_{j=2l,2l+1} bsum8(j)·sc(j),  mins(l) = Σ_{j=2l,2l+1} bsum8(j)·m(j)
//   scaled(l) = fma(d·d8, codes(l) - offset·subs(l), scaled(l))   offset 4 for Q3_K (32 for Q6_K)
//   minsum(l) = fma(-dmin·d8, mins(l), minsum(l))                  (Q2_K)
// and the row's dot is the sum of the lanes scaled + minsum in the order
// (l, l+4), (0, 2) + (1, 3), which a plain scalar loop over ggml's block
// definitions reproduces bit for bit (test/runtime/kernels/k_quant_dot_test.cpp).
#include <cstddef>
#include <cstdint>

#include "formats/tensor_type.h"

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

// The dot products of `rows` weight rows of n elements (n/256 super-blocks
// of `type`; row r at w + r·row_bytes) with `tokens` Q8_K-quantized
// activations (token t's blocks at x + t·x_stride), token t's product
// with row r written to y[t·y_stride + r]. Each product has the same bits
// whatever `rows` and `tokens` are (decode passes 1 token, prefill many).
using KQuantRowsDot = void (*)(const std::byte* w, size_t row_bytes, int64_t rows, const BlockQ8K* x,
                               int64_t x_stride, int tokens, int64_t n, float* y, int64_t y_stride);

// nullptr when `type` is not a K-quant.
KQuantRowsDot k_quant_rows_dot(DType type);

}  // namespace reach::run
