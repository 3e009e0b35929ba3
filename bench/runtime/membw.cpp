// reach-membw [--threads N] [--mib 1024] [--seconds S | --passes KIB,...]: main-memory bandwidth
// the way a decode step uses it. "read" streams one large array (as GEMV streams the
// weights); "triad" is STREAM's a = b + s*c (bytes counted: 3 arrays).
// Best of 5 runs, GB/s = 1e9 bytes per second. Both are measured on arrays
// in 4 KiB pages and in 2 MiB transparent huge pages (reach-run keeps its
// repacked weights in huge pages); read_GBps and triad_GBps are the better
// of the two, the roofline a decode step can hope for. The read is the
// runtime's own streaming read (kernels/stream_read.h, on its thread pool),
// the one `reach-run bench --roofline` runs beside a decode, in each of its
// patterns: no software prefetch, prefetcht0 at several distances,
// prefetchnta further ahead, the decode kernels' own patterns per CPU
// family among them (kernels/cpu_features.cpp); read_GBps is the best of
// all of them, so the roofline is the fastest this machine was seen to
// read, not a weak loop.
//
// --seconds S measures instead what those reads sustain over S seconds: the
// variants in turn, one pass of the array each, again and again until
// S seconds have passed; sustained_read_GBps is the best variant's bytes
// over its time. On a shared VM single passes of about 20 ms range from
// 25 to 70 GB/s within a minute (Zen 4, 2026-12-05), so the best pass is a
// spike that no decode run of a few seconds can average to; a sustained read
// run just before and after a decode run is the roofline that run had
// (bench/runtime/bench_vs_llama_cpp.sh pairs them). `reach-run bench
// --roofline` goes further: its reads alternate with the decode in one run.
//
// --passes KIB[,KIB...] measures what splitting a read into passes costs: a
// decode reads one product's weights per call of the pool (155 calls a
// token for TinyLlama's shape, 1.8-13 MiB each), and each call starts and
// joins the threads. The array (2 MiB pages) is read whole and in
// consecutive passes of each size (one call of the pool per pass), five
// interleaved rounds, with the pattern that read the whole array fastest;
// each size's best is printed with its share of the whole read's best.
#include <sys/mman.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "kernels/cpu_features.h"
#include "kernels/stream_read.h"
#include "kernels/thread_pool.h"

using namespace reach::run;

namespace {

// The shortest of `runs` timed calls of fn(), in seconds.
template <class Fn>
double best_seconds(int runs, Fn fn) {
  double best = 1e30;
  for (int rep = 0; rep < runs; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    fn();
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

// The pattern's name in this program's keys: "0" (no prefetch), "2560"
// (prefetcht0), "6144_nta" or "5120_t1" (into L2), joined with "+".
std::string key(Ahead a) {
  std::string k = a.l1 || !a.l2 ? std::to_string(a.l1) : "";
  if (a.l2) k += (k.empty() ? "" : "+") + std::to_string(a.l2) + (a.l2_nta ? "_nta" : "_t1");
  return k;
}

// With the decode kernels' own patterns on this CPU, so that the roofline
// cannot be a weaker loop than the decode's.
std::vector<ReadPattern> patterns() { return read_patterns(prefetch_distances().choices()); }

// Seconds the pool's threads take to read `bytes` of `b` once with `ahead`;
// best of `runs`.
double read_seconds(ThreadPool& pool, const Array& b, size_t bytes, Ahead ahead, int runs) {
  const std::span<const std::byte> span(reinterpret_cast<const std::byte*>(b.p), bytes);
  return best_seconds(runs, [&] { stream_read({&span, 1}, ahead, pool); });
}

// The --seconds mode (top of file): every variant's single passes, in turn,
// for `seconds`; prints each variant's sustained rate and the best.
void sustained_read(ThreadPool& pool, size_t n, double seconds) {
  const size_t bytes = n * sizeof(float);
  const Array small_pages(n, 2.0f, false), huge_pages(n, 2.0f, true);
  struct Variant {
    const Array* array;
    ReadPattern pattern;
    double seconds = 0;
    int passes = 0;
  };
  std::vector<Variant> variants;
  for (const Array* a : {&small_pages, &huge_pages})
    for (const ReadPattern& pattern : patterns()) variants.push_back({a, pattern});
  const auto t0 = std::chrono::steady_clock::now();
  while (std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() < seconds)
    for (Variant& v : variants) {
      v.seconds += read_seconds(pool, *v.array, bytes, v.pattern.ahead, 1);
      ++v.passes;
    }
  double best = 0;
  for (const Variant& v : variants) {
    const double gbps = static_cast<double>(bytes) * v.passes / v.seconds / 1e9;
    std::printf("sustained_read_GBps_%s_pages_prefetch_%s %.2f (%d passes)\n", v.array == &huge_pages ? "2m" : "4k",
                key(v.pattern.ahead).c_str(), gbps, v.passes);
    best = std::max(best, gbps);
  }
  std::printf("sustained_read_GBps %.2f\n", best);
}

// Seconds to read `all` once in consecutive passes of `pass_bytes`, one
// call of the pool each.
double passes_seconds(ThreadPool& pool, std::span<const std::byte> all, size_t pass_bytes, Ahead ahead) {
  std::vector<std::span<const std::byte>> passes;
  for (size_t at = 0; at < all.size(); at += pass_bytes)
    passes.push_back(all.subspan(at, std::min(pass_bytes, all.size() - at)));
  return best_seconds(1, [&] { stream_read(passes, ahead, pool); });
}

// The --passes mode (top of file).
void read_in_passes(ThreadPool& pool, size_t n, const std::vector<size_t>& pass_kib) {
  const Array a(n, 2.0f, true);
  const std::span<const std::byte> all(reinterpret_cast<const std::byte*>(a.p), n * sizeof(float));
  ReadPattern fastest = patterns().front();
  double fastest_seconds = 1e30;
  for (const ReadPattern& pattern : patterns()) {
    const double seconds = read_seconds(pool, a, all.size(), pattern.ahead, 1);
    if (seconds < fastest_seconds) fastest = pattern, fastest_seconds = seconds;
  }
  std::vector<double> best(pass_kib.size() + 1, 1e30);  // [0]: the whole read
  for (int round = 0; round < 5; ++round) {
    best[0] = std::min(best[0], read_seconds(pool, a, all.size(), fastest.ahead, 1));
    for (size_t i = 1; i < best.size(); ++i)
      best[i] = std::min(best[i], passes_seconds(pool, all, pass_kib[i - 1] << 10, fastest.ahead));
  }
  const auto gbps = [&](double seconds) { return static_cast<double>(all.size()) / seconds / 1e9; };
  std::printf("pattern %s (the fastest whole read)\n", fastest.name.c_str());
  std::printf("read_GBps_whole %.2f\n", gbps(best[0]));
  for (size_t i = 1; i < best.size(); ++i)
    std::printf("read_GBps_passes_of_%zuk %.2f (%.1f%% of the whole read)\n", pass_kib[i - 1], gbps(best[i]),
                100.0 * best[0] / best[i]);
}

// STREAM's triad a = b + 3c over the same ranges; bytes counted: 3 arrays.
double triad_gbps(int threads, Array& a, const Array& b, const Array& c, size_t chunk) {
  const double s = best_seconds(5, [&] {  // threads started within the time, as always here
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t)
      workers.emplace_back([&, t] {
        for (size_t i = t * chunk; i < (t + 1) * chunk; ++i) a.p[i] = b.p[i] + 3.0f * c.p[i];
      });
    for (auto& w : workers) w.join();
  });
  return 3.0 * static_cast<double>(chunk) * threads * sizeof(float) / s / 1e9;
}

// "256,2048" as {256, 2048}; exits with a message on anything but whole
// numbers from 1 KiB to 1 TiB.
std::vector<size_t> kib_list(const char* text) {
  std::vector<size_t> out;
  for (const char* p = text;;) {
    char* end = nullptr;
    const unsigned long long v = std::strtoull(p, &end, 10);
    if (end == p || v == 0 || v > (1ull << 30) || (*end != ',' && *end != '\0')) {
      std::fprintf(stderr, "reach-membw: --passes %s: expected sizes in KiB, as 256,2048\n", text);
      std::exit(2);
    }
    out.push_back(v);
    if (*end == '\0') return out;
    p = end + 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  int threads = static_cast<int>(std::thread::hardware_concurrency());
  size_t mib = 1024;
  double seconds = 0;
  std::vector<size_t> pass_kib;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--passes")) pass_kib = kib_list(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--mib")) mib = std::strtoull(argv[i + 1], nullptr, 10);
    else if (!std::strcmp(argv[i], "--seconds")) seconds = std::atof(argv[i + 1]);
  }
  const size_t n = mib * 1024 * 1024 / sizeof(float);
  std::printf("threads %d, %zu MiB per array\n", threads, mib);
  require_cpu_features();
  ThreadPool pool(threads);
  if (seconds > 0) {
    sustained_read(pool, n, seconds);
    return 0;
  }
  if (!pass_kib.empty()) {
    read_in_passes(pool, n, pass_kib);
    return 0;
  }
  const size_t chunk = n / threads / 8 * 8;
  double best_read = 0, best_triad = 0;
  for (bool huge : {false, true}) {
    Array a(n, 1.0f, huge), b(n, 2.0f, huge), c(n, 3.0f, huge);
    const char* pages = huge ? "2m" : "4k";
    for (const ReadPattern& pattern : patterns()) {
      const size_t bytes = n * sizeof(float);
      const double read = static_cast<double>(bytes) / read_seconds(pool, b, bytes, pattern.ahead, 5) / 1e9;
      std::printf("read_GBps_%s_pages_prefetch_%s %.2f\n", pages, key(pattern.ahead).c_str(), read);
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
