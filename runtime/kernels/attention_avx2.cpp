// The attention's kernels (attention_kernel.h) on 8-float AVX2 vectors
// (kernels/f32x8.h).
#include "kernels/attention_kernel.h"
#include "kernels/f32x8.h"

namespace reach::run::attention_avx2 {

void run_tasks(const attention_kernel::Job& job, int64_t begin, int64_t end) {
  attention_kernel::run_tasks<F32x8>(job, begin, end);
}

}  // namespace reach::run::attention_avx2
