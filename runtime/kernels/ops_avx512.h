#pragma once
// ops.h's element-wise ops in 16-float AVX-512 vectors (ops_avx512.cpp,
// the only file built with AVX-512 for them): the 8-lane ones' operations
// in every lane, so their bits. ops.cpp chooses between them.
#include <cstdint>

namespace reach::run::avx512 {

void silu_mul(float* gate, const float* up, int64_t n);

}  // namespace reach::run::avx512
