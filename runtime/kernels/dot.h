#pragma once
// Dot products of one weight row stored as F32, F16 or BF16 with an F32
// activation, AVX2 + FMA (+ F16C): the decode kernels of the plain types.
// (Q8_0/Q4_0 rows are multiplied in row groups: kernels/row_groups.h.)
#include <cstdint>

namespace reach::run {

float dot_f32(const float* w, const float* x, int64_t n);
float dot_f16(const uint16_t* w, const float* x, int64_t n);
float dot_bf16(const uint16_t* w, const float* x, int64_t n);

// out[i] = x[i] rounded to F16 and back: the activation an F16 weight is
// multiplied with (llama.cpp's vec_dot_type for F16). out may be x.
void round_to_f16(const float* x, float* out, int64_t n);

}  // namespace reach::run
