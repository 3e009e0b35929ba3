#include "kernels/thread_pool.h"

#include <immintrin.h>

#include <algorithm>

namespace reach::run {

namespace {
// About 50-100 microseconds of spinning: long enough to cover the gap
// between two matrix-vector products, short enough not to burn a core
// while the tool waits on the terminal.
constexpr int kSpinIterations = 20000;
}  // namespace

ThreadPool::ThreadPool(int n_threads) {
  if (n_threads <= 0) n_threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  n_threads_ = n_threads;
  for (int i = 1; i < n_threads_; ++i) workers_.emplace_back([this, i] { worker_loop(i); });
}

ThreadPool::~ThreadPool() {
  stop_.store(true, std::memory_order_release);
  generation_.fetch_add(1, std::memory_order_acq_rel);
  generation_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::run_chunk(int index) {
  // Ranges in units of `grain`, spread as evenly as possible.
  const int64_t units = (n_ + grain_ - 1) / grain_;
  const int64_t begin = std::min(n_, units * index / n_threads_ * grain_);
  const int64_t end = std::min(n_, units * (index + 1) / n_threads_ * grain_);
  if (begin < end) invoke_(fn_, begin, end);
}

void ThreadPool::run(int64_t n, int64_t grain, const void* fn, Invoke invoke) {
  if (n <= 0) return;
  fn_ = fn;
  invoke_ = invoke;
  n_ = n;
  grain_ = std::max<int64_t>(1, grain);
  if (n_threads_ == 1 || n <= grain_) {
    invoke(fn, 0, n);
    return;
  }
  pending_.store(n_threads_ - 1, std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_acq_rel);
  generation_.notify_all();
  run_chunk(0);
  for (int spins = 0; pending_.load(std::memory_order_acquire) != 0; ++spins) {
    if (spins < kSpinIterations) _mm_pause();
    else std::this_thread::yield();
  }
}

void ThreadPool::worker_loop(int index) {
  uint64_t seen = 0;
  for (;;) {
    uint64_t now = generation_.load(std::memory_order_acquire);
    for (int spins = 0; now == seen && spins < kSpinIterations; ++spins) {
      _mm_pause();
      now = generation_.load(std::memory_order_acquire);
    }
    if (now == seen) {
      generation_.wait(seen, std::memory_order_acquire);
      continue;
    }
    seen = now;
    if (stop_.load(std::memory_order_acquire)) return;
    run_chunk(index);
    pending_.fetch_sub(1, std::memory_order_acq_rel);
  }
}

}  // namespace reach::run
