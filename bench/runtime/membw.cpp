// reach-membw [--threads N] [--mib 1024]: main-memory bandwidth the way a
// decode step uses it. "read" streams one large array (as GEMV streams the
// weights); "triad" is STREAM's a = b + s*c (bytes counted: 3 arrays).
// Best of 5 runs, GB/s = 1e9 bytes per second.
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

template <class Fn>
double best_seconds(int threads, Fn fn) {
  double best = 1e30;
  for (int rep = 0; rep < 5; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) pool.emplace_back(fn, t);
    for (auto& th : pool) th.join();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  int threads = static_cast<int>(std::thread::hardware_concurrency());
  size_t mib = 1024;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--mib")) mib = std::strtoull(argv[i + 1], nullptr, 10);
  }
  const size_t n = mib * 1024 * 1024 / sizeof(float);
  std::vector<float> a(n, 1.0f), b(n, 2.0f), c(n, 3.0f);
  const size_t chunk = n / threads / 8 * 8;
  std::vector<float> sums(static_cast<size_t>(threads) * 16);

  const double read_s = best_seconds(threads, [&](int t) {
    const float* p = b.data() + t * chunk;
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    for (size_t i = 0; i < chunk; i += 16) {
      s0 = _mm256_add_ps(s0, _mm256_loadu_ps(p + i));
      s1 = _mm256_add_ps(s1, _mm256_loadu_ps(p + i + 8));
    }
    float out[8];
    _mm256_storeu_ps(out, _mm256_add_ps(s0, s1));
    sums[static_cast<size_t>(t) * 16] = out[0];  // keep the loads alive
  });
  const double triad_s = best_seconds(threads, [&](int t) {
    for (size_t i = t * chunk; i < (t + 1) * chunk; ++i) a[i] = b[i] + 3.0f * c[i];
  });
  const double bytes = static_cast<double>(chunk) * threads * sizeof(float);
  std::printf("threads %d, %zu MiB per array\n", threads, mib);
  std::printf("read_GBps %.2f\n", bytes / read_s / 1e9);
  std::printf("triad_GBps %.2f\n", 3 * bytes / triad_s / 1e9);
  return sums[0] == -1.0f;  // never true; stops the read loop from being optimized out
}
