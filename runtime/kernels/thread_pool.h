#pragma once
// A persistent pool of worker threads for splitting row ranges. Decode calls
// parallel_for a few hundred times per token, so workers spin briefly before
// sleeping on an atomic (no mutex, no allocation per call).
#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

namespace reach::run {

class ThreadPool {
 public:
  // n_threads counts the calling thread; 0 means std::thread::hardware_concurrency().
  explicit ThreadPool(int n_threads = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return n_threads_; }

  // Calls fn(begin, end) on disjoint ranges that cover [0, n), one per
  // thread, each a multiple of `grain` long except the last; returns when
  // all are done. fn must not call parallel_for itself.
  template <class Fn>
  void parallel_for(int64_t n, int64_t grain, const Fn& fn) {
    run(n, grain, &fn, [](const void* f, int64_t b, int64_t e) { (*static_cast<const Fn*>(f))(b, e); });
  }

 private:
  using Invoke = void (*)(const void* fn, int64_t begin, int64_t end);
  void run(int64_t n, int64_t grain, const void* fn, Invoke invoke);
  void worker_loop(int index);
  void run_chunk(int index);

  int n_threads_;
  std::vector<std::thread> workers_;
  // The current job; written by the caller before `generation_` is bumped.
  const void* fn_ = nullptr;
  Invoke invoke_ = nullptr;
  int64_t n_ = 0, grain_ = 1;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> stop_{false};
};

}  // namespace reach::run
