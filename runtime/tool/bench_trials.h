#pragma once
// What `reach-run bench` runs beside a decode within one run: on a shared
// machine the memory's speed moves by ±10% from one minute to the next, more
// than the effects measured, so both sides of a comparison alternate, a
// block of kBlock tokens at a time, and meet the same minutes.
//   --compare-prefetch: the prefetch choice in use against another.
//   --roofline: the decode against a streaming read of its own weights.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/cpu_features.h"
#include "kernels/stream_read.h"
#include "model/model.h"

namespace reach::run::cli {

// Blocks, not single tokens: a choice's effect on the caches reaches the
// tokens after it (prefetchnta keeps the KV cache in L3), and a block keeps
// most of it within its own choice.
constexpr size_t kBlock = 8;

// One repetition of tgN with a trial beside it: the decode's tokens per
// second (decode time only), and for the trial either the other prefetch
// choice's tokens per second or each read pattern's seconds.
struct Trial {
  double tps = 0;
  double other_tps = 0;
  std::vector<double> read_seconds;  // [pattern], over `reads` reads each
  size_t reads = 0;
  uint64_t read_calls = 0;  // the pool's passes those reads took (not the decode's)
};

// Each decodes `tokens` after the cache's first `depth` positions (kept
// from the run before).
// The odd blocks with `other`.
Trial run_alternating(Model& model, KVCache& cache, int64_t depth, const std::vector<int32_t>& tokens,
                      const PrefetchDistances& other);
// After each block, reads the weights' memory (Model::weight_memory) once
// in each of `patterns`.
Trial run_with_reads(Model& model, KVCache& cache, int64_t depth, const std::vector<int32_t>& tokens,
                     const std::vector<ReadPattern>& patterns, ThreadPool& pool);


// Mean and sample standard deviation, as llama-bench reports its rows.
struct Stats {
  double mean, sd;
};
Stats stats(const std::vector<double>& xs);

// "L1 0 B, L2 6144 B ahead, Q4_K 9216 B, prefetchnta for every type (table: ...)".
std::string describe(const PrefetchDistances& ahead);
// The compare_prefetch line (bench.cpp's help shows it).
std::string comparison(const std::string& test, const std::vector<Trial>& runs, const PrefetchDistances& compared);
// The roofline and roofline_reads lines. The decode's bytes a token: the
// weights' and kv_bytes_per_token (the cache attention reads, on average
// over the test's tokens).
std::string roofline_report(const std::string& test, const std::vector<Trial>& runs,
                            const std::vector<ReadPattern>& patterns, const Model& model, double kv_bytes_per_token);

}  // namespace reach::run::cli
