// reach-run bench: llama-bench-style prompt processing (ppN: one batched
// forward of N tokens) and text generation (tgN: N single-token forwards)
// throughput, mean ± standard deviation over repeats, from an empty cache
// or after a context of D tokens (llama-bench's -d: "tg128 @ d2048").
#include <chrono>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "formats/model_source.h"
#include "kernels/cpu_features.h"
#include "model/model.h"
#include "tool/cache_type_option.h"
#include "tool/device_option.h"
#include "tool/args.h"
#include "tool/bench_trials.h"
#include "tool/commands.h"
#include "tool/memory_plan.h"
#include "tool/output.h"

namespace reach::run::cli {

namespace {

using Clock = std::chrono::steady_clock;

// Tokens per second of one run of `n` tokens after the cache's first
// `depth` positions, in one batch or one at a time.
double run_once(Model& model, KVCache& cache, int64_t depth, const std::vector<int32_t>& tokens, bool batched) {
  cache.truncate(depth);
  const auto t0 = Clock::now();
  if (batched) {
    model.forward(tokens, cache);
  } else {
    for (const int32_t& t : tokens) model.forward({&t, 1}, cache);
  }
  return static_cast<double>(tokens.size()) / std::chrono::duration<double>(Clock::now() - t0).count();
}

// What runs beside each tgN repetition (bench_trials.h): nothing, another
// prefetch choice, or the roofline's reads.
struct Beside {
  const PrefetchDistances* compared = nullptr;
  const std::vector<ReadPattern>* reads = nullptr;
};

std::vector<Trial> repeat(Model& model, KVCache& cache, int64_t depth, const std::vector<int32_t>& tokens,
                          bool batched, int reps, Beside beside, ThreadPool& pool) {
  std::vector<Trial> runs;
  for (int r = 0; r < reps; ++r) {
    if (beside.compared) runs.push_back(run_alternating(model, cache, depth, tokens, *beside.compared));
    else if (beside.reads) runs.push_back(run_with_reads(model, cache, depth, tokens, *beside.reads, pool));
    else runs.push_back({.tps = run_once(model, cache, depth, tokens, batched)});
  }
  return runs;
}

// Fills an empty cache with `tokens` (the depth), kDepthBatch at a time.
constexpr int64_t kDepthBatch = 512;
void fill(Model& model, KVCache& cache, const std::vector<int32_t>& tokens) {
  cache.clear();
  for (size_t i = 0; i < tokens.size(); i += kDepthBatch) {
    const size_t n = std::min<size_t>(kDepthBatch, tokens.size() - i);
    model.forward({tokens.data() + i, n}, cache);
  }
}

}  // namespace

// llama-bench's names and short flags.
const std::vector<OptionSpec> kBenchOptions = {
    {"--model", "-m", "PATH", "a folder or a .gguf file, as for generate"},
    {"--n-prompt", "-p", "N", "ppN: one batched forward of N random tokens; 0 skips it (default 512)"},
    {"--n-gen", "-n", "N", "tgN: N single-token forwards; 0 skips it (default 128)"},
    {"--n-depth", "-d", "D", "ppN and tgN after a context of D random tokens in the cache (rows \"tg128 @ d2048\"; filled once, untimed; default 0)"},
    {"--repetitions", "-r", "N", "runs of each test after a warm-up, mean ± sd (default 3)"},
    {"--threads", "-t", "N", "threads (default: all cores)"},
    {"--compare-prefetch", "", "L1,L2[,t1|nta[,TYPE=L2]...]",
     "tgN alternates, 8 tokens at a time, between the decode prefetch in use and this one (REACH_PREFETCH's "
     "syntax); the tgN row is then the one in use, and a compare_prefetch line gives both and their ratio"},
    {"--roofline", "", "",
     "after each 8 tokens of tgN, reads the weights' memory once in each of several ways (no prefetch, prefetcht0, "
     "prefetchnta, the decode's own) and prints the decode's share of the fastest read (roofline lines: its bytes the "
     "weights' and the KV cache's it reads at its depth); the tgN row then counts decode time only"},
    {"--max-memory", "", "SIZE", kMaxMemoryHelp},
    kDeviceOption,
    kCacheTypeOption,
};

int bench(int argc, char** argv) {
  const Args a(argc, argv, 2, kBenchOptions);
  if (a.help()) {
    write_stdout(usage("bench", "Measures prompt processing and generation speed, as llama-bench does.", kBenchOptions));
    return 0;
  }
  const std::string path = a.str("--model");
  const int64_t n_prompt = a.integer("--n-prompt", 512, 0, 1 << 20);
  const int64_t n_gen = a.integer("--n-gen", 128, 0, 1 << 20);
  const int64_t depth = a.integer("--n-depth", 0, 0, 1 << 20);
  const int reps = static_cast<int>(a.integer("--repetitions", 3, 1, 1000));
  std::optional<PrefetchDistances> compared;
  if (a.has("--compare-prefetch")) try {
      compared = parse_prefetch(a.str("--compare-prefetch"), "--compare-prefetch ");
    } catch (const std::runtime_error& e) {
      throw UsageError(e.what());
    }
  if (compared && a.has("--roofline"))
    throw UsageError("--compare-prefetch and --roofline: each runs its own trial beside the decode; use one at a time");
  const auto source = open_model(path);
  const int64_t positions = depth + std::max<int64_t>({n_prompt, n_gen, int64_t{1}});
  const int64_t batch = std::max<int64_t>({n_prompt, std::min(depth, kDepthBatch), 1});
  const Device device = device_option(a);
  const DType cache_type = cache_type_option(a, device);
  apply_memory_budget(a, *source, plan_memory(*source, positions, batch, 1, cache_type));
  ThreadPool pool(static_cast<int>(a.integer("--threads", 0, 0, 1024)));
  Model model(*source, pool, device);
  const ModelConfig& c = model.config();
  KVCache cache = model.make_cache(positions, cache_type);
  std::vector<ReadPattern> reads;
  if (a.has("--roofline")) {
    if (model.weight_memory().empty())
      throw UsageError("--roofline: reads the weights in CPU memory; the model runs on " + model.device_description());
    reads = read_patterns(active_prefetch().choices());  // the decode's own among them
  }

  std::mt19937 rng(42);
  std::uniform_int_distribution<int32_t> any_token(0, c.vocab_size - 1);
  auto random_tokens = [&](int64_t n) {
    std::vector<int32_t> t(static_cast<size_t>(n));
    for (auto& id : t) id = any_token(rng);
    return t;
  };

  const double mib = static_cast<double>(model.weight_bytes_per_token()) / (1024.0 * 1024.0);
  const std::string name = std::filesystem::path(path).filename().string();
  write_stdout("| model | type | weights read/token | threads | test | t/s |\n| --- | --- | ---: | ---: | ---: | ---: |\n");
  // Decode's passes of the thread pool a token (each a hand-off to the
  // workers and a wait for them; on the CPU, per layer: q/k/v, attention, o,
  // gate/up and down where the kernels take products of one input together).
  double passes_per_token = 0;
  auto row = [&](const std::string& test, const std::vector<int32_t>& tokens, bool batched) {
    // Warm-up, as llama-bench's: the whole batch for ppN (a GPU's first GEMM
    // loads cuBLAS's kernels and allocates its scratch; a 4-token warm-up
    // took the GEMV path and left that to the first timed run), four steps
    // for tgN (the second captures the decode step's CUDA graph).
    const std::vector<int32_t> warm_up =
        batched ? tokens : std::vector<int32_t>(tokens.begin(), tokens.begin() + std::min<size_t>(tokens.size(), 4));
    run_once(model, cache, depth, warm_up, batched);
    const uint64_t calls_before = pool.calls();
    Beside beside;  // decode only
    if (!batched && compared) beside.compared = &*compared;
    if (!batched && !reads.empty()) beside.reads = &reads;
    const std::vector<Trial> runs = repeat(model, cache, depth, tokens, batched, reps, beside, pool);
    uint64_t decode_calls = pool.calls() - calls_before;
    for (const Trial& r : runs) decode_calls -= r.read_calls;
    if (!batched) passes_per_token = static_cast<double>(decode_calls) / (reps * tokens.size());
    std::vector<double> tps;
    for (const Trial& r : runs) tps.push_back(r.tps);
    const Stats s = stats(tps);
    write_stdout(formatted("| %s | %s | %.2f MiB | %d | %s | %.2f ± %.2f |\n", name.c_str(),
                           std::string(type_traits(model.main_weight_type()).name).c_str(), mib, pool.size(), test.c_str(),
                           s.mean, s.sd));
    if (beside.compared) write_stdout(comparison(test, runs, *compared));
    if (beside.reads) {
      double kv_bytes = 0;  // the timed steps see depth + 1 .. depth + n positions
      for (size_t t = 1; t <= tokens.size(); ++t) kv_bytes += static_cast<double>(cache.bytes_read(depth + t));
      write_stdout(roofline_report(test, runs, reads, model, kv_bytes / static_cast<double>(tokens.size())));
    }
  };
  fill(model, cache, random_tokens(depth));
  const std::string at = depth ? " @ d" + std::to_string(depth) : "";
  if (n_prompt > 0) row("pp" + std::to_string(n_prompt) + at, random_tokens(n_prompt), true);
  if (n_gen > 0) row("tg" + std::to_string(n_gen) + at, random_tokens(n_gen), false);
  write_stdout(formatted("weight_bytes_per_token: %zu\n", model.weight_bytes_per_token()));
  if (n_gen > 0) write_stdout(formatted("pool_passes_per_token: %.2f\n", passes_per_token));
  write_stdout(formatted("device: %s\n", model.device_description().c_str()));
  write_stdout(formatted("kv_cache: %s\n", std::string(type_traits(cache.layout().type).name).c_str()));
  write_stdout(formatted("kernel_isa: %s\n", isa_name(chosen_isa())));
  write_stdout(formatted("cpu: %s\nprefetch: %s\n", cpu_identity().c_str(), describe(prefetch_distances()).c_str()));
  const PanelWidth& panel = panel_width();
  write_stdout(formatted("panel: %lld columns (%s)\n", static_cast<long long>(panel.columns), panel.source.c_str()));
  finish_stdout();
  return 0;
}

}  // namespace reach::run::cli
