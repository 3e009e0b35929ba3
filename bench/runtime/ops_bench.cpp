// Google Benchmark for the per-token work of decode outside the matrix
// products, on TinyLlama-1.1B's shapes: attention of one token over the KV
// cache (32 heads, 4 KV heads, head_dim 64), SwiGLU, RMSNorm and the
// activation quantizer. Decode calls each once or more per layer, with
// the other thread waiting, so their time adds straight to a token's.
//   build/bench/runtime/reach-ops-bench [--benchmark_filter=Attention]
#include <benchmark/benchmark.h>

#include <algorithm>
#include <random>
#include <vector>

#include "kernels/attention.h"
#include "kernels/ops.h"
#include "kernels/quant.h"

namespace reach::run {
namespace {

std::vector<float> random_floats(size_t n, float scale = 1.0f) {
  std::mt19937 rng(7);
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

// A layer's keys and values of `positions` random rows, stored as the host
// cache holds them (kernels/attention.h's KVLayout).
struct LayerCache {
  KVLayout layout;
  std::vector<std::byte> k, v;
};
LayerCache random_cache(AttentionShape shape, int64_t positions, DType type = DType::F32) {
  LayerCache c{KVLayout::for_positions(positions, type), {}, {}};
  const size_t bytes = type_traits(type).row_bytes(shape.n_kv_heads * c.layout.head_elements(shape.head_dim));
  c.k.resize(bytes);
  c.v.resize(bytes);
  const auto rows = random_floats(static_cast<size_t>(positions * shape.n_kv_heads * shape.head_dim));
  store_kv(rows.data(), rows.data(), 0, positions, c.layout, shape, c.k.data(), c.v.data());
  return c;
}

// args: positions in the cache (the new token is the last), threads
void BM_AttentionOneToken(benchmark::State& state) {
  const AttentionShape shape{32, 4, 64};
  const int64_t positions = state.range(0);
  ThreadPool pool(static_cast<int>(state.range(1)));
  const auto q = random_floats(static_cast<size_t>(shape.n_heads * shape.head_dim));
  const LayerCache cache = random_cache(shape, positions);
  std::vector<float> out(q.size());
  for (auto _ : state) {
    attention(q.data(), 1, positions - 1, cache.k.data(), cache.v.data(), cache.layout, shape, out.data(), pool);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * positions * shape.n_heads);  // (head, position) pairs
}
BENCHMARK(BM_AttentionOneToken)
    ->ArgNames({"positions", "threads"})
    ->ArgsProduct({{128, 512, 2048}, {1, 2}})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

// BM_AttentionOneToken with the cache where decode finds it: in memory, the
// token's matrix products having streamed hundreds of MiB through the
// caches since this layer's attention last ran. Each iteration reads the
// next of enough copies of the cache (as many layers) to hold 256 MiB.
// args: positions, threads, cache: 0 F32, 1 F16 (--cache-type f16).
void BM_AttentionOneTokenFromMemory(benchmark::State& state) {
  const AttentionShape shape{32, 4, 64};
  const int64_t positions = state.range(0);
  ThreadPool pool(static_cast<int>(state.range(1)));
  const auto q = random_floats(static_cast<size_t>(shape.n_heads * shape.head_dim));
  const LayerCache one = random_cache(shape, positions, state.range(2) == 0 ? DType::F32 : DType::F16);
  const size_t bytes = one.k.size();
  const size_t copies = std::max<size_t>(2, (size_t{256} << 20) / (2 * bytes));
  std::vector<std::byte> k(copies * bytes), v(copies * bytes);
  for (size_t c = 0; c < copies; ++c) {
    std::copy(one.k.begin(), one.k.end(), k.begin() + static_cast<std::ptrdiff_t>(c * bytes));
    std::copy(one.v.begin(), one.v.end(), v.begin() + static_cast<std::ptrdiff_t>(c * bytes));
  }
  std::vector<float> out(q.size());
  size_t c = 0;
  for (auto _ : state) {
    attention(q.data(), 1, positions - 1, k.data() + c * bytes, v.data() + c * bytes, one.layout, shape, out.data(),
              pool);
    benchmark::DoNotOptimize(out.data());
    c = (c + 1) % copies;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * positions * shape.n_heads);
}
BENCHMARK(BM_AttentionOneTokenFromMemory)
    ->ArgNames({"positions", "threads", "cache"})
    ->ArgsProduct({{64, 128, 512, 2048}, {2}, {0, 1}})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

// A prompt's causal attention from an empty cache (prefill), TinyLlama's
// shape. args: prompt tokens, threads. multiply_adds/s counts the scalar
// multiply-adds of q·k and weights·v (n(n+1)/2 pairs per head, head_dim
// each, twice): the figure to hold against the machine's FMA peak.
void BM_AttentionPrompt(benchmark::State& state) {
  const AttentionShape shape{32, 4, 64};
  const int64_t tokens = state.range(0);
  ThreadPool pool(static_cast<int>(state.range(1)));
  const auto q = random_floats(static_cast<size_t>(tokens * shape.n_heads * shape.head_dim));
  const LayerCache cache = random_cache(shape, tokens);
  std::vector<float> out(q.size());
  for (auto _ : state) {
    attention(q.data(), tokens, 0, cache.k.data(), cache.v.data(), cache.layout, shape, out.data(), pool);
    benchmark::DoNotOptimize(out.data());
  }
  const double pairs = static_cast<double>(tokens) * static_cast<double>(tokens + 1) / 2 * shape.n_heads;
  const double per_run = 2 * pairs * shape.head_dim;
  state.counters["multiply_adds"] =
      benchmark::Counter(per_run * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_AttentionPrompt)
    ->ArgNames({"tokens", "threads"})
    ->ArgsProduct({{512, 2048}, {1, 2}})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// range(1): the variant, 0 the 8-lane one, 1 the 16-lane one (where the CPU
// runs AVX-512).
void BM_SiluMul(benchmark::State& state) {
  const auto n = static_cast<size_t>(state.range(0));
  const Isa isa = state.range(1) ? Isa::avx512_vnni : Isa::avx2;
  if (!cpu_runs(isa)) return state.SkipWithError("this CPU cannot run the 16-lane variant");
  const auto gate0 = random_floats(n, 3.0f), up = random_floats(n);
  // silu of silu would drift into denormals, so each call gets a fresh copy
  // of gate0, restored outside the timing once per kCopies calls: on a VM a
  // pause and a resume (two clock reads) cost as much as a call.
  constexpr size_t kCopies = 16;  // 16 × 22 KiB at n = 5632: in L2, as in decode
  std::vector<std::vector<float>> gates(kCopies, gate0);
  size_t next = kCopies;
  for (auto _ : state) {
    if (next == kCopies) {
      state.PauseTiming();
      for (auto& g : gates) g = gate0;
      next = 0;
      state.ResumeTiming();
    }
    silu_mul(gates[next].data(), up.data(), static_cast<int64_t>(n), isa);
    benchmark::DoNotOptimize(gates[next++].data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
}
BENCHMARK(BM_SiluMul)->ArgNames({"n", "sixteen_lanes"})->Args({5632, 0})->Args({5632, 1})->Unit(benchmark::kMicrosecond);

void BM_RmsNorm(benchmark::State& state) {
  const auto n = static_cast<size_t>(state.range(0));
  const auto x = random_floats(n), w = random_floats(n);
  std::vector<float> out(n);
  for (auto _ : state) {
    rmsnorm(x.data(), w.data(), out.data(), static_cast<int64_t>(n), 1e-5f);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
}
BENCHMARK(BM_RmsNorm)->Arg(2048)->Unit(benchmark::kMicrosecond);

void BM_QuantizeActivationsQ8_0(benchmark::State& state) {
  const auto n = static_cast<size_t>(state.range(0));
  const auto x = random_floats(n);
  std::vector<BlockQ8_0> q(n / 32);
  std::vector<int32_t> sums(q.size());
  for (auto _ : state) {
    quantize_row_q8_0(x.data(), q.data(), static_cast<int64_t>(n), sums.data());
    benchmark::DoNotOptimize(q.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
}
BENCHMARK(BM_QuantizeActivationsQ8_0)->Arg(2048)->Arg(5632)->Unit(benchmark::kMicrosecond);

// One decode step's store of a layer's new key and value (TinyLlama's 4 KV
// heads of 64) into a cache of 2048 positions. args: cache: 0 F32, 1 F16.
void BM_StoreKv(benchmark::State& state) {
  const AttentionShape shape{32, 4, 64};
  LayerCache cache = random_cache(shape, 2048, state.range(0) == 0 ? DType::F32 : DType::F16);
  const auto k = random_floats(256), v = random_floats(256);
  int64_t pos = 0;
  for (auto _ : state) {
    store_kv(k.data(), v.data(), pos, 1, cache.layout, shape, cache.k.data(), cache.v.data());
    pos = (pos + 1) % 2048;
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_StoreKv)->ArgName("cache")->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace reach::run

BENCHMARK_MAIN();
