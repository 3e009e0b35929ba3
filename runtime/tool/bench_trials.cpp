#include "tool/bench_trials.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <optional>

#include "tool/output.h"

namespace reach::run::cli {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

double median(std::vector<double> xs) {
  std::sort(xs.begin(), xs.end());
  const size_t n = xs.size();
  return n % 2 ? xs[n / 2] : (xs[n / 2 - 1] + xs[n / 2]) / 2;
}

size_t bytes_of(std::span<const std::span<const std::byte>> spans) {
  size_t bytes = 0;
  for (std::span<const std::byte> s : spans) bytes += s.size();
  return bytes;
}

}  // namespace

Stats stats(const std::vector<double>& xs) {
  double mean = 0, var = 0;
  for (double x : xs) mean += x / static_cast<double>(xs.size());
  for (double x : xs) var += (x - mean) * (x - mean);
  return {mean, xs.size() > 1 ? std::sqrt(var / static_cast<double>(xs.size() - 1)) : 0.0};
}

Trial run_alternating(Model& model, KVCache& cache, int64_t depth, const std::vector<int32_t>& tokens,
                      const PrefetchDistances& other) {
  cache.truncate(depth);
  std::array<double, 2> seconds{}, counted{};
  for (size_t i = 0; i < tokens.size(); ++i) {
    const size_t which = i / kBlock % 2;
    std::optional<ScopedPrefetch> trial;
    if (which == 1) trial.emplace(other);
    const auto t0 = Clock::now();
    model.forward({&tokens[i], 1}, cache);
    seconds[which] += seconds_since(t0);
    counted[which] += 1;
  }
  return {.tps = counted[0] / seconds[0], .other_tps = counted[1] / seconds[1]};
}

Trial run_with_reads(Model& model, KVCache& cache, int64_t depth, const std::vector<int32_t>& tokens,
                     const std::vector<ReadPattern>& patterns, ThreadPool& pool) {
  cache.truncate(depth);
  Trial run{.read_seconds = std::vector<double>(patterns.size())};
  double decode_seconds = 0;
  for (size_t i = 0; i < tokens.size(); ++i) {
    const auto t0 = Clock::now();
    model.forward({&tokens[i], 1}, cache);
    decode_seconds += seconds_since(t0);
    if ((i + 1) % kBlock != 0 && i + 1 != tokens.size()) continue;
    const uint64_t calls_before = pool.calls();
    for (size_t k = 0; k < patterns.size(); ++k) {
      const size_t p = (k + run.reads) % patterns.size();  // each block starts with the next pattern: no order bias
      const auto r0 = Clock::now();
      stream_read(model.weight_memory(), patterns[p].ahead, pool);
      run.read_seconds[p] += seconds_since(r0);
    }
    run.read_calls += pool.calls() - calls_before;
    ++run.reads;
  }
  run.tps = static_cast<double>(tokens.size()) / decode_seconds;
  return run;
}

std::string describe(const PrefetchDistances& ahead) {
  std::string further;
  for (const auto& [type, l2] : ahead.l2_by_type)
    further += formatted(", %s %lld B", std::string(type_traits(type).name).c_str(), static_cast<long long>(l2));
  return formatted("L1 %lld B, L2 %lld B ahead%s%s (%s)", static_cast<long long>(ahead.l1),
                   static_cast<long long>(ahead.l2), further.c_str(), ahead.l2_nta ? ", prefetchnta for every type" : "",
                   ahead.source.c_str());
}

// "compare_prefetch: tg128 in blocks of 8 tokens: in use 70.12 t/s, L1 0 B,
// L2 7168 B ahead (--compare-prefetch) 71.03 t/s; ratio 1.013 1.008 (median
// 1.011)": the means over the repetitions, and each repetition's ratio.
std::string comparison(const std::string& test, const std::vector<Trial>& runs, const PrefetchDistances& compared) {
  std::vector<double> in_use, others, ratios;
  for (const Trial& r : runs) {
    in_use.push_back(r.tps);
    others.push_back(r.other_tps);
    ratios.push_back(r.other_tps / r.tps);
  }
  std::string each;
  for (double r : ratios) each += formatted("%.3f ", r);
  return formatted("compare_prefetch: %s in blocks of %zu tokens: in use %.2f t/s, %s %.2f t/s; ratio %s"
                   "(median %.3f)\n",
                   test.c_str(), kBlock, stats(in_use).mean, describe(compared).c_str(), stats(others).mean,
                   each.c_str(), median(ratios));
}

// "roofline: tg128, after each block of 8 tokens one read of the weights'
// 598.23 MiB in each of 9 patterns: decode 38.12 GB/s, best read 44.80 GB/s
// (prefetchnta 6144 B); decode's share 85.1% (each repetition 84.0% 86.2%;
// median 85.1%)" and a roofline_reads line with every pattern's rate. The
// decode's rate counts the bytes of weight_bytes_per_token (the file's), a
// read's the bytes it read; a share is the decode's rate over the best
// pattern's, the repetition's own for each repetition's share.
std::string roofline_report(const std::string& test, const std::vector<Trial>& runs,
                            const std::vector<ReadPattern>& patterns, const Model& model, double kv_bytes_per_token) {
  const double read_bytes = static_cast<double>(bytes_of(model.weight_memory()));
  const auto read_gbps = [&](size_t reads, double seconds) {
    return read_bytes * static_cast<double>(reads) / seconds / 1e9;
  };
  const double token_bytes = static_cast<double>(model.weight_bytes_per_token()) + kv_bytes_per_token;
  std::vector<double> total_seconds(patterns.size()), decode_gbps, shares;
  size_t total_reads = 0;
  for (const Trial& r : runs) {
    double best = 0;
    for (size_t p = 0; p < patterns.size(); ++p) {
      best = std::max(best, read_gbps(r.reads, r.read_seconds[p]));
      total_seconds[p] += r.read_seconds[p];
    }
    total_reads += r.reads;
    decode_gbps.push_back(r.tps * token_bytes / 1e9);
    shares.push_back(decode_gbps.back() / best);
  }
  std::string each, rates;
  for (double s : shares) each += formatted("%s%.1f%%", each.empty() ? "" : " ", 100 * s);
  size_t best = 0;
  for (size_t p = 0; p < patterns.size(); ++p) {
    if (total_seconds[p] < total_seconds[best]) best = p;
    rates += formatted("%s%s %.2f", p ? "; " : "", patterns[p].name.c_str(), read_gbps(total_reads, total_seconds[p]));
  }
  const double best_gbps = read_gbps(total_reads, total_seconds[best]);
  return formatted("roofline: %s, after each block of %zu tokens one read of the weights' %.2f MiB in each of %zu "
                   "patterns: decode %.2f GB/s (weights and %.1f KiB of KV cache a token), best read %.2f GB/s (%s); "
                   "decode's share %.1f%% (each repetition %s; median %.1f%%)\nroofline_reads: GB/s over %zu reads "
                   "each: %s\n",
                   test.c_str(), kBlock, read_bytes / (1024.0 * 1024.0), patterns.size(), stats(decode_gbps).mean,
                   kv_bytes_per_token / 1024.0,
                   best_gbps, patterns[best].name.c_str(), 100 * stats(decode_gbps).mean / best_gbps, each.c_str(),
                   100 * median(shares), total_reads, rates.c_str());
}

}  // namespace reach::run::cli
