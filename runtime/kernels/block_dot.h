#pragma once
// Products with Q4_1, Q5_0 and Q5_1 weight rows (32-element blocks with a
// scale, Q4_1/Q5_1 a minimum too), read in place from the file: the types
// older files hold and llama.cpp's K-quant mixes fall back to on rows that
// are not whole super-blocks. As in llama.cpp, the activation is quantized
// to Q8_0 with, per block, the sum of its codes and s = d8·Σq8 rounded to
// F16 (block_q8_1's s; kernels/quant.h). Then per block
//   isum = Σ (q - offset) · q8        exact; offset 16 for Q5_0, else 0
//   acc  = fma(d·d8, isum, acc);   mins += m·s      (m = 0 for Q5_0)
// and the row's dot is acc + mins, which a scalar loop over ggml's block
// definitions reproduces bit for bit (test/runtime/kernels/block_dot_test.cpp).
#include <cstddef>
#include <cstdint>

#include "formats/tensor_type.h"
#include "kernels/quant.h"

namespace reach::run {

// The dot product of one weight row of n elements (n/32 blocks of `type`)
// with a Q8_0-quantized activation, its per-block sums of codes and s.
using BlockRowDot = float (*)(const std::byte* row, const BlockQ8_0* x, const int32_t* x_sums, const float* x_s,
                              int64_t n);

// nullptr for types without one (Q8_0/Q4_0 use kernels/row_groups.h).
BlockRowDot block_row_dot(DType type);

}  // namespace reach::run
