// reach-run bench: llama-bench-style prompt processing (ppN: one batched
// forward of N tokens) and text generation (tgN: N single-token forwards
// from an empty cache) throughput, mean ± standard deviation over repeats.
#include <chrono>
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "formats/model_source.h"
#include "kernels/cpu_features.h"
#include "model/model.h"
#include "tool/device_option.h"
#include "tool/args.h"
#include "tool/commands.h"
#include "tool/memory_plan.h"
#include "tool/output.h"

namespace reach::run::cli {

namespace {

using Clock = std::chrono::steady_clock;

struct Stats {
  double mean, sd;
};

Stats stats(const std::vector<double>& xs) {
  double mean = 0, var = 0;
  for (double x : xs) mean += x / static_cast<double>(xs.size());
  for (double x : xs) var += (x - mean) * (x - mean);
  return {mean, xs.size() > 1 ? std::sqrt(var / static_cast<double>(xs.size() - 1)) : 0.0};
}

// Tokens per second of one run of `n` tokens, in one batch or one at a time.
double run_once(Model& model, KVCache& cache, const std::vector<int32_t>& tokens, bool batched) {
  cache.clear();
  const auto t0 = Clock::now();
  if (batched) {
    model.forward(tokens, cache);
  } else {
    for (const int32_t& t : tokens) model.forward({&t, 1}, cache);
  }
  return static_cast<double>(tokens.size()) / std::chrono::duration<double>(Clock::now() - t0).count();
}

// Tokens per second of the prefetch choice in use and of `other`, from one
// run of `tokens` that alternates between them a block of 8 tokens at a
// time, so that both meet the same minutes of a shared machine's memory
// (two runs a minute apart differ by more than the choices do). Blocks, not
// single tokens: a choice's effect on the caches reaches the tokens after it
// (prefetchnta keeps the KV cache in L3), and a block keeps most of it
// within its own choice.
constexpr size_t kBlock = 8;  // tokens per turn of one choice
std::array<double, 2> run_alternating(Model& model, KVCache& cache, const std::vector<int32_t>& tokens,
                                      const PrefetchDistances& other) {
  cache.clear();
  std::array<double, 2> seconds{}, counted{};
  for (size_t i = 0; i < tokens.size(); ++i) {
    const size_t which = i / kBlock % 2;
    std::optional<ScopedPrefetch> trial;
    if (which == 1) trial.emplace(other);
    const auto t0 = Clock::now();
    model.forward({&tokens[i], 1}, cache);
    seconds[which] += std::chrono::duration<double>(Clock::now() - t0).count();
    counted[which] += 1;
  }
  return {counted[0] / seconds[0], counted[1] / seconds[1]};
}

// Each repetition's tokens per second; with a prefetch choice to compare,
// the one in use's, the other's, and their ratio (other / in use).
struct Repetitions {
  std::vector<double> tps, others, ratios;
};
Repetitions repeat(Model& model, KVCache& cache, const std::vector<int32_t>& tokens, bool batched, int reps,
                   const PrefetchDistances* compared) {
  Repetitions runs;
  for (int r = 0; r < reps; ++r) {
    if (!compared) {
      runs.tps.push_back(run_once(model, cache, tokens, batched));
      continue;
    }
    const auto [in_use, other] = run_alternating(model, cache, tokens, *compared);
    runs.tps.push_back(in_use);
    runs.others.push_back(other);
    runs.ratios.push_back(other / in_use);
  }
  return runs;
}

// "L1 0 B, L2 6144 B ahead, Q4_K 9216 B, prefetchnta for every type (table: ...)".
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
std::string comparison(const std::string& test, double in_use, double other, std::vector<double> ratios,
                       const PrefetchDistances& compared) {
  std::string each;
  for (double r : ratios) each += formatted("%.3f ", r);
  std::sort(ratios.begin(), ratios.end());
  const size_t n = ratios.size();
  const double median = n % 2 ? ratios[n / 2] : (ratios[n / 2 - 1] + ratios[n / 2]) / 2;
  return formatted("compare_prefetch: %s in blocks of %zu tokens: in use %.2f t/s, %s %.2f t/s; ratio %s"
                   "(median %.3f)\n",
                   test.c_str(), kBlock, in_use, describe(compared).c_str(), other, each.c_str(), median);
}

}  // namespace

// llama-bench's names and short flags.
const std::vector<OptionSpec> kBenchOptions = {
    {"--model", "-m", "PATH", "a folder or a .gguf file, as for generate"},
    {"--n-prompt", "-p", "N", "ppN: one batched forward of N random tokens; 0 skips it (default 512)"},
    {"--n-gen", "-n", "N", "tgN: N single-token forwards from an empty cache; 0 skips it (default 128)"},
    {"--repetitions", "-r", "N", "runs of each test after a warm-up, mean ± sd (default 3)"},
    {"--threads", "-t", "N", "threads (default: all cores)"},
    {"--compare-prefetch", "", "L1,L2[,t1|nta]",
     "tgN alternates, 8 tokens at a time, between the decode prefetch in use and this one (REACH_PREFETCH's "
     "syntax); the tgN row is then the one in use, and a compare_prefetch line gives both and their ratio"},
    {"--max-memory", "", "SIZE", kMaxMemoryHelp},
    kDeviceOption,
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
  const int reps = static_cast<int>(a.integer("--repetitions", 3, 1, 1000));
  std::optional<PrefetchDistances> compared;
  if (a.has("--compare-prefetch")) try {
      compared = parse_prefetch(a.str("--compare-prefetch"), "--compare-prefetch ");
    } catch (const std::runtime_error& e) {
      throw UsageError(e.what());
    }
  const auto source = open_model(path);
  const int64_t positions = std::max<int64_t>({n_prompt, n_gen, int64_t{1}});
  apply_memory_budget(a, *source, plan_memory(*source, positions, std::max<int64_t>(n_prompt, 1), 1));
  ThreadPool pool(static_cast<int>(a.integer("--threads", 0, 0, 1024)));
  Model model(*source, pool, device_option(a));
  const ModelConfig& c = model.config();
  KVCache cache = model.make_cache(positions);

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
    run_once(model, cache, warm_up, batched);
    const uint64_t calls_before = pool.calls();
    const PrefetchDistances* other = !batched && compared ? &*compared : nullptr;  // decode only
    const Repetitions runs = repeat(model, cache, tokens, batched, reps, other);
    if (!batched) passes_per_token = static_cast<double>(pool.calls() - calls_before) / (reps * tokens.size());
    const Stats s = stats(runs.tps);
    write_stdout(formatted("| %s | %s | %.2f MiB | %d | %s | %.2f ± %.2f |\n", name.c_str(),
                           std::string(type_traits(model.main_weight_type()).name).c_str(), mib, pool.size(), test.c_str(),
                           s.mean, s.sd));
    if (!runs.ratios.empty()) write_stdout(comparison(test, s.mean, stats(runs.others).mean, runs.ratios, *compared));
  };
  if (n_prompt > 0) row("pp" + std::to_string(n_prompt), random_tokens(n_prompt), true);
  if (n_gen > 0) row("tg" + std::to_string(n_gen), random_tokens(n_gen), false);
  write_stdout(formatted("weight_bytes_per_token: %zu\n", model.weight_bytes_per_token()));
  if (n_gen > 0) write_stdout(formatted("pool_passes_per_token: %.2f\n", passes_per_token));
  write_stdout(formatted("device: %s\n", model.device_description().c_str()));
  write_stdout(formatted("kernel_isa: %s\n", isa_name(chosen_isa())));
  write_stdout(formatted("cpu: %s\nprefetch: %s\n", cpu_identity().c_str(), describe(prefetch_distances()).c_str()));
  const PanelWidth& panel = panel_width();
  write_stdout(formatted("panel: %lld columns (%s)\n", static_cast<long long>(panel.columns), panel.source.c_str()));
  finish_stdout();
  return 0;
}

}  // namespace reach::run::cli
