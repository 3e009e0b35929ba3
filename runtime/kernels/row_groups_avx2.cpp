// The row-group kernel for plain AVX2 (row_groups_kernel.h): vpmaddubsw,
// whose int16 pair sums would saturate for Q8_0's quants taken unsigned, so
// Q8_0 multiplies |w| by x with w's sign, and Q4_0's nibble products are
// summed in int16 (|nibble · x| pairs ≤ 3840, eight per lane ≤ 30720) and
// widened once per block.
#include "kernels/row_groups_k_kernel.h"

namespace reach::run::row_groups {
namespace {

struct Avx2 {
  static constexpr int kTokens = 4;
  static constexpr int32_t offset(DType type) { return type == DType::Q4_0 ? 8 : 0; }

  template <DType Type, int T>
  static void block_dots(const char* line, const int8_t* const* xq, __m256i* dot, Ahead ahead) {
    constexpr int kLines = quant_bytes(Type) / 64;
    const __m256i low4 = _mm256_set1_epi8(0x0F), ones = _mm256_set1_epi16(1);
    __m256i sum16[T];
    for (int t = 0; t < T; ++t) sum16[t] = _mm256_setzero_si256();
    for (int l = 0; l < kLines; ++l, line += 64) {
      prefetch_lines_ahead(line, ahead);
      for (int half = 0; half < 2; ++half) {
        const int v = 2 * l + half;  // quant vector of the block
        const __m256i w = _mm256_load_si256(reinterpret_cast<const __m256i*>(line) + half);
        if constexpr (Type == DType::Q4_0) {
          // Low nibbles are elements 4v..4v+3 of each row, high ones 16+4v..16+4v+3.
          const __m256i lo = _mm256_and_si256(w, low4);
          const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(w, 4), low4);
          for (int t = 0; t < T; ++t)
            sum16[t] = _mm256_add_epi16(sum16[t], _mm256_add_epi16(_mm256_maddubs_epi16(lo, broadcast4(xq[t] + 4 * v)),
                                                                   _mm256_maddubs_epi16(hi, broadcast4(xq[t] + 16 + 4 * v))));
        } else {
          const __m256i abs_w = _mm256_sign_epi8(w, w);
          for (int t = 0; t < T; ++t)
            dot[t] = _mm256_add_epi32(
                dot[t], _mm256_madd_epi16(_mm256_maddubs_epi16(abs_w, _mm256_sign_epi8(broadcast4(xq[t] + 4 * v), w)),
                                          ones));
        }
      }
    }
    if constexpr (Type == DType::Q4_0)
      for (int t = 0; t < T; ++t) dot[t] = _mm256_madd_epi16(sum16[t], ones);
  }
};

// The K-quants (row_groups_k_kernel.h): maddubs's pair sums (codes < 64:
// ≤ 2 · 63 · 127, exact in int16) times the scale by madd.
struct Avx2KDot {
  static __m256i add(__m256i acc, __m256i u8, __m256i s8, __m256i scale16) {
    return _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(u8, s8), scale16));
  }
};

}  // namespace

namespace avx2 {
void multiply_groups(const GroupJob& job, int64_t g0, int64_t g1) { multiply_groups_with<Avx2>(job, g0, g1); }
void multiply_k_groups(const KGroupJob& job, int64_t g0, int64_t g1) {
  multiply_k_with<Avx2KDot, k_units_paired(Isa::avx2)>(job, g0, g1);
}
}  // namespace avx2

}  // namespace reach::run::row_groups
