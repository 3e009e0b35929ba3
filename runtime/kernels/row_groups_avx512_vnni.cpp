// The row-group kernel with AVX-512 VNNI (row_groups_kernel.h): EVEX
// vpdpbusd on 256-bit vectors, whose 32 registers hold eight activation
// rows per pass (two accumulators each, plus the float sums).
#include "kernels/row_groups_kernel.h"

namespace reach::run::row_groups {
namespace {

struct Avx512Dpbusd {
  static __m256i apply(__m256i acc, __m256i u8, __m256i s8) { return _mm256_dpbusd_epi32(acc, u8, s8); }
};

struct Avx512Vnni : VnniDots<Avx512Dpbusd> {
  static constexpr int kTokens = 8;
};

}  // namespace

namespace avx512_vnni {
void multiply_groups(const GroupJob& job, int64_t g0, int64_t g1) { multiply_groups_with<Avx512Vnni>(job, g0, g1); }
}  // namespace avx512_vnni

}  // namespace reach::run::row_groups
