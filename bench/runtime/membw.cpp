// reach-membw [--threads N] [--mib 1024] [--seconds S]: main-memory bandwidth
// the way a decode step uses it. "read" streams one large array (as GEMV streams the
// weights); "triad" is STREAM's a = b + s*c (bytes counted: 3 arrays).
// Best of 5 runs, GB/s = 1e9 bytes per second. Both are measured on arrays
// in 4 KiB pages and in 2 MiB transparent huge pages (reach-run keeps its
// repacked weights in huge pages); read_GBps and triad_GBps are the better
// of the two, the roofline a decode step can hope for. The read loop runs
// without software prefetch, with prefetcht0 1, 2.5, 4 and 5 KiB ahead, and
// with prefetchnta 6 and 9 KiB ahead (the decode kernels' own patterns per
// CPU family are among these: kernels/cpu_features.cpp), and read_GBps is
// the best of all of them, so the roofline is the fastest this machine was
// seen to read, not a weak loop.
//
// --seconds S measures instead what those reads sustain over S seconds: the
// variants in turn, one pass of the array each, again and again until
// S seconds have passed; sustained_read_GBps is the best variant's bytes
// over its time. On a shared VM single passes of about 20 ms range from
// 25 to 70 GB/s within a minute (Zen 4, 2026-12-05), so the best pass is a
// spike that no decode run of a few seconds can average to; a sustained read
// run just before and after a decode run is the roofline that run had
// (bench/runtime/bench_vs_llama_cpp.sh pairs them).
#include <immintrin.h>
#include <sys/mman.h>

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
double best_seconds(int threads, int runs, Fn fn) {
  double best = 1e30;
  for (int rep = 0; rep < runs; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) pool.emplace_back(fn, t);
    for (auto& th : pool) th.join();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

// n floats set to `value`, in huge pages when asked (and the kernel allows).
struct Array {
  float* p;
  Array(size_t n, float value, bool huge) {
    const size_t page = size_t{2} << 20, bytes = (n * sizeof(float) + page - 1) / page * page;
    p = static_cast<float*>(std::aligned_alloc(page, bytes));
    if (!p) std::abort();
    madvise(p, bytes, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
    std::fill(p, p + n, value);
  }
  ~Array() { std::free(p); }
  Array(const Array&) = delete;
  Array& operator=(const Array&) = delete;
};

// A software prefetch `ahead` bytes before each line's loads (0: none),
// with `prefetchnta` or `prefetcht0`.
struct Prefetch {
  size_t ahead;
  bool nta;
};
// The decode kernels' own patterns are among them (kernels/cpu_features.cpp:
// on Zen 5 prefetchnta 6144 and 9216 B ahead): a read roofline that the
// decode's reads can beat is no roofline.
constexpr Prefetch kPrefetches[] = {{0, false}, {1024, false}, {2560, false}, {4096, false},
                                    {5120, false}, {6144, true}, {9216, true}};

std::string name(Prefetch p) { return std::to_string(p.ahead) + (p.nta ? "_nta" : ""); }

// Seconds `threads` threads take to read [0, chunk * threads) of `b` once,
// each its own slice, with `prefetch`; best of `runs`.
double read_seconds(int threads, const Array& b, size_t chunk, Prefetch prefetch, int runs) {
  std::vector<float> sums(static_cast<size_t>(threads) * 16);
  const double s = best_seconds(threads, runs, [&](int t) {
    const float* p = b.p + t * chunk;
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    for (size_t i = 0; i < chunk; i += 16) {
      const char* ahead = reinterpret_cast<const char*>(p + i) + prefetch.ahead;
      if (prefetch.nta) _mm_prefetch(ahead, _MM_HINT_NTA);
      else if (prefetch.ahead) _mm_prefetch(ahead, _MM_HINT_T0);
      s0 = _mm256_add_ps(s0, _mm256_loadu_ps(p + i));
      s1 = _mm256_add_ps(s1, _mm256_loadu_ps(p + i + 8));
    }
    float out[8];
    _mm256_storeu_ps(out, _mm256_add_ps(s0, s1));
    sums[static_cast<size_t>(t) * 16] = out[0];  // keep the loads alive
  });
  if (sums[0] == -1.0f) std::puts("");  // never true; stops the read loop from being optimized out
  return s;
}

double read_gbps(int threads, const Array& b, size_t chunk, Prefetch prefetch) {
  return static_cast<double>(chunk) * threads * sizeof(float) / read_seconds(threads, b, chunk, prefetch, 5) / 1e9;
}

// The --seconds mode (top of file): every variant's single passes, in turn,
// for `seconds`; prints each variant's sustained rate and the best.
void sustained_read(int threads, size_t n, double seconds) {
  const size_t chunk = n / threads / 8 * 8;
  const double bytes = static_cast<double>(chunk) * threads * sizeof(float);
  const Array small_pages(n, 2.0f, false), huge_pages(n, 2.0f, true);
  struct Variant {
    const Array* array;
    Prefetch prefetch;
    double seconds = 0;
    int passes = 0;
  };
  std::vector<Variant> variants;
  for (const Array* a : {&small_pages, &huge_pages})
    for (Prefetch prefetch : kPrefetches) variants.push_back({a, prefetch});
  const auto t0 = std::chrono::steady_clock::now();
  while (std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() < seconds)
    for (Variant& v : variants) {
      v.seconds += read_seconds(threads, *v.array, chunk, v.prefetch, 1);
      ++v.passes;
    }
  double best = 0;
  for (const Variant& v : variants) {
    const double gbps = bytes * v.passes / v.seconds / 1e9;
    std::printf("sustained_read_GBps_%s_pages_prefetch_%s %.2f (%d passes)\n", v.array == &huge_pages ? "2m" : "4k",
                name(v.prefetch).c_str(), gbps, v.passes);
    best = std::max(best, gbps);
  }
  std::printf("sustained_read_GBps %.2f\n", best);
}

// STREAM's triad a = b + 3c over the same ranges; bytes counted: 3 arrays.
double triad_gbps(int threads, Array& a, const Array& b, const Array& c, size_t chunk) {
  const double s = best_seconds(threads, 5, [&](int t) {
    for (size_t i = t * chunk; i < (t + 1) * chunk; ++i) a.p[i] = b.p[i] + 3.0f * c.p[i];
  });
  return 3.0 * static_cast<double>(chunk) * threads * sizeof(float) / s / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  int threads = static_cast<int>(std::thread::hardware_concurrency());
  size_t mib = 1024;
  double seconds = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--mib")) mib = std::strtoull(argv[i + 1], nullptr, 10);
    else if (!std::strcmp(argv[i], "--seconds")) seconds = std::atof(argv[i + 1]);
  }
  const size_t n = mib * 1024 * 1024 / sizeof(float);
  std::printf("threads %d, %zu MiB per array\n", threads, mib);
  if (seconds > 0) {
    sustained_read(threads, n, seconds);
    return 0;
  }
  const size_t chunk = n / threads / 8 * 8;
  double best_read = 0, best_triad = 0;
  for (bool huge : {false, true}) {
    Array a(n, 1.0f, huge), b(n, 2.0f, huge), c(n, 3.0f, huge);
    const char* pages = huge ? "2m" : "4k";
    for (Prefetch prefetch : kPrefetches) {
      const double read = read_gbps(threads, b, chunk, prefetch);
      std::printf("read_GBps_%s_pages_prefetch_%s %.2f\n", pages, name(prefetch).c_str(), read);
      best_read = std::max(best_read, read);
    }
    const double triad = triad_gbps(threads, a, b, c, chunk);
    std::printf("triad_GBps_%s_pages %.2f\n", pages, triad);
    best_triad = std::max(best_triad, triad);
  }
  std::printf("read_GBps %.2f\n", best_read);
  std::printf("triad_GBps %.2f\n", best_triad);
  return 0;
}
