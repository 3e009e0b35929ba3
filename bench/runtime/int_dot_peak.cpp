// reach-int-dot-peak [--threads N]: the machine's peak of 8-bit integer dot
// products, the ceiling a quantized prefill GEMM is measured against
// (docs/runtime.md). Each thread runs a loop of vpdpbusd (u8 × s8 → i32,
// four multiply-adds per 32-bit lane) on 16 independent accumulators, so
// neither latency nor memory limits it, for 256-bit (AVX-VNNI encoding of
// AVX-512 VL) and 512-bit vectors, and vpmaddubsw + vpmaddwd + vpaddd (what
// plain AVX2 needs for the same sums). Prints GMAC/s (10^9 multiply-adds per
// second, all threads) per instruction sequence; best of 5 runs.
#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr long kIterations = 20'000'000;
constexpr int kChains = 16;

// Each returns a value derived from every accumulator, so nothing is elided.
__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni"))) int dpbusd256(int seed) {
  __m256i acc[kChains];
  const __m256i a = _mm256_set1_epi8(static_cast<char>(seed)), b = _mm256_set1_epi8(static_cast<char>(seed + 1));
  for (int c = 0; c < kChains; ++c) acc[c] = _mm256_set1_epi32(c);
  for (long i = 0; i < kIterations; ++i)
    for (int c = 0; c < kChains; ++c) acc[c] = _mm256_dpbusd_epi32(acc[c], a, b);
  __m256i sum = acc[0];
  for (int c = 1; c < kChains; ++c) sum = _mm256_add_epi32(sum, acc[c]);
  return _mm256_extract_epi32(sum, 0);
}

__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni"))) int dpbusd512(int seed) {
  __m512i acc[kChains];
  const __m512i a = _mm512_set1_epi8(static_cast<char>(seed)), b = _mm512_set1_epi8(static_cast<char>(seed + 1));
  for (int c = 0; c < kChains; ++c) acc[c] = _mm512_set1_epi32(c);
  for (long i = 0; i < kIterations; ++i)
    for (int c = 0; c < kChains; ++c) acc[c] = _mm512_dpbusd_epi32(acc[c], a, b);
  __m512i sum = acc[0];
  for (int c = 1; c < kChains; ++c) sum = _mm512_add_epi32(sum, acc[c]);
  return _mm512_reduce_add_epi32(sum);
}

__attribute__((target("avx2"))) int maddubs256(int seed) {
  __m256i acc[kChains];
  const __m256i a = _mm256_set1_epi8(static_cast<char>(seed)), b = _mm256_set1_epi8(static_cast<char>(seed + 1));
  const __m256i ones = _mm256_set1_epi16(1);
  for (int c = 0; c < kChains; ++c) acc[c] = _mm256_set1_epi32(c);
  for (long i = 0; i < kIterations; ++i)
    for (int c = 0; c < kChains; ++c)
      acc[c] = _mm256_add_epi32(acc[c], _mm256_madd_epi16(_mm256_maddubs_epi16(a, b), ones));
  __m256i sum = acc[0];
  for (int c = 1; c < kChains; ++c) sum = _mm256_add_epi32(sum, acc[c]);
  return _mm256_extract_epi32(sum, 0);
}

double best_gmacs(int threads, int (*kernel)(int), double macs_per_step) {
  double best = 0;
  for (int rep = 0; rep < 5; ++rep) {
    std::vector<std::thread> pool;
    std::vector<int> sink(threads);
    const auto t0 = std::chrono::steady_clock::now();
    for (int t = 0; t < threads; ++t) pool.emplace_back([&, t] { sink[t] = kernel(t + rep); });
    for (auto& th : pool) th.join();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (sink[0] == 12345) std::puts("");
    best = std::max(best, macs_per_step * kChains * kIterations * threads / s / 1e9);
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  int threads = static_cast<int>(std::thread::hardware_concurrency());
  for (int i = 1; i + 1 < argc; i += 2)
    if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
  if (threads < 1) {
    std::fprintf(stderr, "usage: reach-int-dot-peak [--threads N]\n");
    return 2;
  }
  __builtin_cpu_init();
  std::printf("threads %d\n", threads);
  std::printf("avx2_maddubs_256_GMACs %.1f\n", best_gmacs(threads, maddubs256, 32));
  if (__builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512vl")) {
    std::printf("vpdpbusd_256_GMACs %.1f\n", best_gmacs(threads, dpbusd256, 32));
    std::printf("vpdpbusd_512_GMACs %.1f\n", best_gmacs(threads, dpbusd512, 64));
  }
  return 0;
}
