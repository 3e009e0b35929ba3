// The attention's kernels (attention_kernel.h) on 16-float AVX-512 vectors:
// a key tile's 16 positions are one vector, so one key load serves every
// query head of its KV head, and each FMA does twice AVX2's work.
#include <immintrin.h>

#include "kernels/attention_kernel.h"
#include "kernels/f32x16.h"

namespace reach::run::attention_avx512 {

void run_tasks(const attention_kernel::Job& job, int64_t begin, int64_t end) {
  attention_kernel::run_tasks<F32x16>(job, begin, end);
}

}  // namespace reach::run::attention_avx512
