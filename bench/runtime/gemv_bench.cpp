// Google Benchmark for the decode GEMV and prefill GEMM kernels on
// TinyLlama-1.1B's matrix shapes (random weights, Q8_0 / Q4_0 / F16 and
// K-quants), so
// kernel speed can be tracked apart from the model. bytes_per_second is the
// weight bytes each product reads, i.e. the figure to hold against
// reach-membw's read bandwidth.
//   build/bench/runtime/reach-gemv-bench [--benchmark_filter=Q4_0] [--benchmark_repetitions=5]
#include <benchmark/benchmark.h>

#include <cstring>
#include <random>
#include <vector>

#include "kernels/matmul.h"
#include "kernels/quant.h"

namespace reach::run {
namespace {

struct Matrix {
  std::vector<std::byte> bytes;
  TensorView view;
};

Matrix random_matrix(DType type, int64_t rows, int64_t cols) {
  std::mt19937 rng(1);
  std::normal_distribution<float> dist(0.0f, 0.02f);
  std::vector<float> row(static_cast<size_t>(cols));
  const TypeTraits& t = type_traits(type);
  const size_t row_bytes = t.row_bytes(cols);
  Matrix m;
  m.bytes.resize(row_bytes * static_cast<size_t>(rows));
  for (int64_t r = 0; r < rows; ++r) {  // the type table's ggml reference quantizer, as files hold
    for (float& v : row) v = dist(rng);
    t.from_float(row.data(), m.bytes.data() + static_cast<size_t>(r) * row_bytes, cols);
  }
  m.view = TensorView{"w", type, {rows, cols}, m.bytes.data(), m.bytes.size()};
  return m;
}

// n activations drawn from N(0, 1), the same for every benchmark.
std::vector<float> random_activations(int64_t n) {
  std::mt19937 rng(2);
  std::normal_distribution<float> dist;
  std::vector<float> x(static_cast<size_t>(n));
  for (float& v : x) v = dist(rng);
  return x;
}

// args: dtype, rows, cols, threads
void BM_Gemv(benchmark::State& state) {
  const auto type = static_cast<DType>(state.range(0));
  const Matrix w = random_matrix(type, state.range(1), state.range(2));
  ThreadPool pool(static_cast<int>(state.range(3)));
  const std::vector<float> x = random_activations(state.range(2));
  std::vector<float> y(static_cast<size_t>(state.range(1)));
  PackedStorage storage(WeightMatrix::packed_bytes(w.view));
  const WeightMatrix k(w.view, storage, pool);
  for (auto _ : state) {
    k.gemv(x.data(), y.data(), pool);
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(w.bytes.size()));
  state.SetLabel(std::string(type_traits(type).name));
}

// args: dtype, rows, cols, threads, copies. The GEMV over `copies` packed
// copies of one matrix in turn (1 GiB or so in all), so every product
// streams its weights from main memory as decode does, not from the
// last-level cache; the one to hold against reach-membw.
void BM_GemvFromMemory(benchmark::State& state) {
  const auto type = static_cast<DType>(state.range(0));
  const int64_t copies = state.range(4);
  const Matrix w = random_matrix(type, state.range(1), state.range(2));
  ThreadPool pool(static_cast<int>(state.range(3)));
  PackedStorage storage(WeightMatrix::packed_bytes(w.view) * static_cast<size_t>(copies));
  // Types read in place: copies of the file's bytes.
  std::vector<std::vector<std::byte>> files(WeightMatrix::packed_bytes(w.view) ? 0 : static_cast<size_t>(copies), w.bytes);
  std::vector<WeightMatrix> packed;
  for (int64_t i = 0; i < copies; ++i) {
    TensorView view = w.view;
    if (!files.empty()) view.data = files[static_cast<size_t>(i)].data();
    packed.emplace_back(view, storage, pool);
  }
  const std::vector<float> x = random_activations(state.range(2));
  std::vector<float> y(static_cast<size_t>(state.range(1)));
  for (auto _ : state) {
    for (const WeightMatrix& m : packed) m.gemv(x.data(), y.data(), pool);
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * copies * static_cast<int64_t>(w.bytes.size()));
  state.SetLabel(std::string(type_traits(type).name));
}

// args: dtype, rows, cols, threads, batch
void BM_Gemm(benchmark::State& state) {
  const auto type = static_cast<DType>(state.range(0));
  const int64_t n = state.range(4);
  const Matrix w = random_matrix(type, state.range(1), state.range(2));
  ThreadPool pool(static_cast<int>(state.range(3)));
  const std::vector<float> x = random_activations(n * state.range(2));
  std::vector<float> y(static_cast<size_t>(n * state.range(1)));
  PackedStorage storage(WeightMatrix::packed_bytes(w.view));
  const WeightMatrix k(w.view, storage, pool);
  for (auto _ : state) {
    k.gemm(x.data(), n, y.data(), pool);
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  // Multiply-adds per second, as "items".
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * n * state.range(1) * state.range(2));
  state.SetLabel(std::string(type_traits(type).name));
}

void gemv_shapes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"type", "rows", "cols", "threads"});
  for (DType t : {DType::Q8_0, DType::Q4_0, DType::F16, DType::Q2_K, DType::Q3_K, DType::Q4_K, DType::Q5_K, DType::Q6_K,
                  DType::Q5_0})
    for (int threads : {1, 2}) {
      b->Args({static_cast<int64_t>(t), 2048, 2048, threads});   // q_proj, o_proj
      b->Args({static_cast<int64_t>(t), 256, 2048, threads});    // k_proj, v_proj
      b->Args({static_cast<int64_t>(t), 5632, 2048, threads});   // gate, up
      b->Args({static_cast<int64_t>(t), 2048, 5632, threads});   // down
      b->Args({static_cast<int64_t>(t), 32000, 2048, threads});  // lm_head
    }
}

void from_memory_shapes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"type", "rows", "cols", "threads", "copies"});
  for (int threads : {1, 2}) {
    b->Args({static_cast<int64_t>(DType::Q8_0), 5632, 2048, threads, 84});   // 12.3 MB each
    b->Args({static_cast<int64_t>(DType::Q4_0), 5632, 2048, threads, 160});  // 6.5 MB each
    b->Args({static_cast<int64_t>(DType::Q4_K), 5632, 2048, threads, 160});  // 6.5 MB each
    b->Args({static_cast<int64_t>(DType::Q6_K), 5632, 2048, threads, 112});  // 9.5 MB each
    b->Args({static_cast<int64_t>(DType::Q2_K), 5632, 2048, threads, 280});  // 3.8 MB each
    b->Args({static_cast<int64_t>(DType::Q3_K), 5632, 2048, threads, 216});  // 5.0 MB each
    b->Args({static_cast<int64_t>(DType::Q5_K), 5632, 2048, threads, 136});  // 7.9 MB each
    // Decode's other shapes: down (gate's bytes in longer rows, which read
    // slower from memory on Zen 5) and q/o (smaller matrices).
    b->Args({static_cast<int64_t>(DType::Q4_0), 2048, 5632, threads, 160});  // 6.5 MB each
    b->Args({static_cast<int64_t>(DType::Q8_0), 2048, 5632, threads, 84});   // 12.3 MB each
    b->Args({static_cast<int64_t>(DType::Q4_K), 2048, 5632, threads, 160});  // 6.5 MB each
    b->Args({static_cast<int64_t>(DType::Q6_K), 2048, 5632, threads, 112});  // 9.5 MB each
    b->Args({static_cast<int64_t>(DType::Q3_K), 2048, 5632, threads, 216});  // 5.0 MB each
    b->Args({static_cast<int64_t>(DType::Q4_0), 2048, 2048, threads, 440});  // 2.4 MB each
  }
}

void gemm_shapes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"type", "rows", "cols", "threads", "n"});
  for (DType t : {DType::Q8_0, DType::Q4_0, DType::Q4_K, DType::Q6_K})
    for (int threads : {1, 2})
      for (int64_t n : {64, 512}) b->Args({static_cast<int64_t>(t), 5632, 2048, threads, n});
}

BENCHMARK(BM_Gemv)->Apply(gemv_shapes)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_GemvFromMemory)->Apply(from_memory_shapes)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Gemm)->Apply(gemm_shapes)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace reach::run

BENCHMARK_MAIN();
