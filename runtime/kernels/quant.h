#pragma once
// ggml's block quantization as the kernels see it (conversions to and from
// half precision: formats/half.h).
// Layouts are ggml's (see formats/tensor.h): a block covers 32 consecutive
// elements of one row.
#include <cstddef>
#include <cstdint>

#include "formats/half.h"
#include "formats/tensor.h"

namespace reach::run {

inline constexpr int kQuantBlock = 32;

struct BlockQ8_0 {
  uint16_t d;      // scale, IEEE half
  int8_t q[32];    // x = q * d
};
struct BlockQ4_0 {
  uint16_t d;      // scale, IEEE half
  uint8_t q[16];   // x = (nibble - 8) * d; low nibbles are elements 0..15, high 16..31
};
static_assert(sizeof(BlockQ8_0) == 34 && sizeof(BlockQ4_0) == 18);


// Quantizes n floats (n a multiple of 32) to Q8_0 the way llama.cpp does
// for activations: d = max|x| / 127, q = round(x · 127 / max|x|), ties to
// even. When `sums` is given, sums[b] = Σ q of block b (what Q4_0's
// unsigned nibbles need); when `scaled_sums` is, scaled_sums[b] = d·Σ q
// rounded to F16, with d = max|x| / 127 before its own rounding (ggml's
// block_q8_1 s, what Q4_1/Q5_1's minimums multiply). NaN inputs are outside
// the contract.
void quantize_row_q8_0(const float* x, BlockQ8_0* out, int64_t n, int32_t* sums = nullptr,
                       float* scaled_sums = nullptr);

// Expands n elements of one row stored as `type` into floats: the type
// table's to_float (formats/tensor_type.h), F16 eight at a time with F16C.
void dequantize_row(DType type, const std::byte* row, float* out, int64_t n);

}  // namespace reach::run
