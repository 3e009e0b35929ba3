// The attention's kernels (attention_kernel.h) on 16-float AVX-512 vectors:
// a key tile's 16 positions are one vector, so one key load serves every
// query head of its KV head, and each FMA does twice AVX2's work.
#include <immintrin.h>

#include "kernels/attention_kernel.h"

namespace reach::run::attention_avx512 {
namespace {

struct F32x16 {
  using F = __m512;
  using Mask = __mmask16;
  static constexpr int kLanes = 16;
  // 32 registers: 16 chains of scores (8 heads of two tiles), 16 of
  // weighted sums (4 heads of 4 vectors), beside what they read.
  static constexpr int kScoreChains = 16;
  static constexpr int kMaxScoreHeads = 8;
  static constexpr int kSumHeads = 4;

  static F zero() { return _mm512_setzero_ps(); }
  static F set1(float x) { return _mm512_set1_ps(x); }
  static F fmadd(F a, F b, F c) { return _mm512_fmadd_ps(a, b, c); }
  static F mul(F a, F b) { return _mm512_mul_ps(a, b); }
  static Mask lanes_below(int64_t n) {
    return n >= kLanes ? Mask{0xFFFF} : n <= 0 ? Mask{0} : static_cast<Mask>((1u << n) - 1);
  }

  static F load(const float* p) { return _mm512_loadu_ps(p); }
  static F load(const uint16_t* p) { return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))); }
  // The lanes of `mask`; nothing is read past them.
  static F load(const float* p, Mask mask, bool whole) { return whole ? load(p) : _mm512_maskz_loadu_ps(mask, p); }
  static F load(const uint16_t* p, Mask mask, bool whole) {
    return whole ? load(p) : _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(mask, p));
  }
  static void store(float* p, F x) { _mm512_storeu_ps(p, x); }
  static void store(float* p, Mask mask, F x) { _mm512_mask_storeu_ps(p, mask, x); }
};

}  // namespace

void run_tasks(const attention_kernel::Job& job, int64_t begin, int64_t end) {
  attention_kernel::run_tasks<F32x16>(job, begin, end);
}

}  // namespace reach::run::attention_avx512
