// The attention's kernels (attention_kernel.h) on 8-float AVX2 vectors.
#include <immintrin.h>

#include <bit>
#include <cstring>

#include "kernels/attention_kernel.h"
#include "kernels/simd.h"

namespace reach::run::attention_avx2 {
namespace {

struct F32x8 {
  using F = __m256;
  using Mask = __m256i;
  static constexpr int kLanes = 8;
  // Sixteen registers: 8 chains of scores (4 heads of a tile's 2 vectors),
  // 12 of weighted sums (3 heads of 4 vectors), beside what they read.
  static constexpr int kScoreChains = 8;
  static constexpr int kMaxScoreHeads = 4;
  static constexpr int kSumHeads = 3;

  static F zero() { return _mm256_setzero_ps(); }
  static F set1(float x) { return _mm256_set1_ps(x); }
  static F fmadd(F a, F b, F c) { return _mm256_fmadd_ps(a, b, c); }
  static F mul(F a, F b) { return _mm256_mul_ps(a, b); }
  static Mask lanes_below(int64_t n) { return simd::lanes_below(n); }

  static F load(const float* p) { return _mm256_loadu_ps(p); }
  static F load(const uint16_t* p) { return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))); }
  // The lanes of `mask` (a prefix); nothing is read past them.
  static F load(const float* p, Mask mask, bool whole) { return whole ? load(p) : _mm256_maskload_ps(p, mask); }
  static F load(const uint16_t* p, Mask mask, bool whole) {
    if (whole) return load(p);
    uint16_t lanes[kLanes] = {};
    std::memcpy(lanes, p, 2 * static_cast<size_t>(std::popcount(static_cast<unsigned>(_mm256_movemask_ps(_mm256_castsi256_ps(mask))))));
    return load(lanes);
  }
  static void store(float* p, F x) { _mm256_storeu_ps(p, x); }
  static void store(float* p, Mask mask, F x) { _mm256_maskstore_ps(p, mask, x); }
};

}  // namespace

void run_tasks(const attention_kernel::Job& job, int64_t begin, int64_t end) {
  attention_kernel::run_tasks<F32x8>(job, begin, end);
}

}  // namespace reach::run::attention_avx2
