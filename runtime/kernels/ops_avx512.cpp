#include "kernels/ops_avx512.h"

#include "kernels/f32x16.h"
#include "kernels/vector_exp.h"

namespace reach::run::avx512 {

void silu_mul(float* gate, const float* up, int64_t n) { vector_exp::silu_mul<F32x16>(gate, up, n); }

}  // namespace reach::run::avx512
