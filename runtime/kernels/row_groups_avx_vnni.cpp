// The row-group kernel with AVX-VNNI (row_groups_kernel.h): VEX-encoded
// vpdpbusd, 16 vector registers, so four activation rows per pass.
#include "kernels/row_groups_k_kernel.h"

namespace reach::run::row_groups {
namespace {

struct AvxVnniDpbusd {
  static __m256i apply(__m256i acc, __m256i u8, __m256i s8) { return _mm256_dpbusd_avx_epi32(acc, u8, s8); }
};

struct AvxVnniDpwssd {
  static __m256i apply(__m256i acc, __m256i a16, __m256i b16) { return _mm256_dpwssd_avx_epi32(acc, a16, b16); }
};

struct AvxVnni : VnniDots<AvxVnniDpbusd> {
  static constexpr int kTokens = 4;
};

}  // namespace

namespace avx_vnni {
void multiply_groups(const GroupJob& job, int64_t g0, int64_t g1) { multiply_groups_with<AvxVnni>(job, g0, g1); }
void multiply_k_groups(const KGroupJob& job, int64_t g0, int64_t g1) {
  multiply_k_with<VnniKDot<AvxVnniDpwssd>, k_units_paired(Isa::avx_vnni)>(job, g0, g1);
}
}  // namespace avx_vnni

}  // namespace reach::run::row_groups
