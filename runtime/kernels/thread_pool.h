#pragma once
// A persistent pool of worker threads for splitting row ranges. Decode calls
// parallel_for a few hundred times per token, so workers spin briefly before
// sleeping on an atomic (no mutex, no allocation per call). Work is cut into
// a few chunks per thread that threads claim as they come: on a busy machine
// a descheduled worker delays one small chunk, not half the job.
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

  // Calls fn(begin, end) on disjoint ranges that cover [0, n), each a
  // multiple of `grain` long except the last, spread over the threads;
  // returns when all are done. fn must not call parallel_for itself.
  template <class Fn>
  void parallel_for(int64_t n, int64_t grain, const Fn& fn) {
    run(n, grain, &fn, [](const void* f, int64_t b, int64_t e) { (*static_cast<const Fn*>(f))(b, e); });
  }

 private:
  using Invoke = void (*)(const void* fn, int64_t begin, int64_t end);
  void run(int64_t n, int64_t grain, const void* fn, Invoke invoke);
  void worker_loop();
  // Claims and runs chunks of the current job until none are left.
  void work_on_current_job();

  int n_threads_;
  std::vector<std::thread> workers_;
  // The current job. Written by the caller before `claim_` publishes it and
  // read only by a thread that has claimed one of its chunks (the job cannot
  // finish, so these cannot change, before that chunk is done).
  const void* fn_ = nullptr;
  Invoke invoke_ = nullptr;
  int64_t n_ = 0, chunk_ = 1;
  // generation (24 bits) | chunk count (20 bits) | next unclaimed chunk (20 bits):
  // one word, so a claim for a finished job fails instead of taking a chunk
  // of the next one.
  std::atomic<uint64_t> claim_{0};
  std::atomic<int64_t> done_{0};        // chunks of the current job finished
  std::atomic<uint32_t> wake_{0};       // bumped for every job; workers sleep on it
  std::atomic<bool> stop_{false};
  uint64_t generation_ = 0;
};

}  // namespace reach::run
