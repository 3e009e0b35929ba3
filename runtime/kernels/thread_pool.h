#pragma once
// A persistent pool of worker threads for splitting row ranges. Decode calls
// parallel_for a few hundred times per token, so workers spin briefly before
// sleeping on an atomic (no mutex, no allocation per call).
//
// Each thread owns one contiguous share of the range and works through it
// front to back, a piece at a time, so that a matrix-vector product reads
// its weights as one memory stream per thread. A thread that finishes its
// share takes pieces from the back of the others' shares, so a slow or
// descheduled thread delays one small piece, not its whole share.
#include <atomic>
#include <cstdint>
#include <memory>
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
  // parallel_for calls so far, those run on the caller alone included
  // (tests: that several matrix products share one pass of the threads).
  uint64_t calls() const { return calls_.load(std::memory_order_relaxed); }

  // Calls fn(begin, end) on disjoint ranges that cover [0, n), each a
  // multiple of `grain` long except the last, spread over the threads;
  // returns when all are done. One caller at a time: a second thread's call
  // while a job runs (or fn calling parallel_for) throws std::logic_error
  // rather than corrupting the job's shares.
  template <class Fn>
  void parallel_for(int64_t n, int64_t grain, const Fn& fn) {
    run(n, grain, &fn, [](const void* f, int64_t b, int64_t e) { (*static_cast<const Fn*>(f))(b, e); });
  }

 private:
  using Invoke = void (*)(const void* fn, int64_t begin, int64_t end);
  // One thread's share of the current job's pieces, [front, back), in one
  // word with the job's generation (16 bits | front 24 | back 24), so that a
  // claim for a finished job fails instead of taking a piece of the next
  // one. The owner takes pieces at the front, others at the back.
  struct alignas(64) Share {
    std::atomic<uint64_t> word{0};
  };

  void run(int64_t n, int64_t grain, const void* fn, Invoke invoke);
  void worker_loop(int self);
  // Runs pieces of the current job, its own share first, until none is left.
  void work_on_current_job(int self);
  // Claims one piece of share `owner` (at the front when self == owner);
  // returns its index or -1 when the share is empty.
  int64_t claim(int self, int owner);

  int n_threads_;
  std::vector<std::thread> workers_;
  std::unique_ptr<Share[]> shares_;
  // The current job. Written by the caller before the shares publish it and
  // read only by a thread that has claimed one of its pieces (the job cannot
  // finish, so these cannot change, before that piece is done).
  const void* fn_ = nullptr;
  Invoke invoke_ = nullptr;
  int64_t n_ = 0, piece_ = 1;
  alignas(64) std::atomic<int64_t> done_{0};  // pieces of the current job finished
  alignas(64) std::atomic<uint32_t> wake_{0};  // bumped for every job; workers sleep on it
  std::atomic<bool> stop_{false};
  std::atomic<bool> busy_{false};  // a job is running: the single-caller check
  uint64_t generation_ = 0;
  // A load and a store, not an increment: a locked instruction waits for
  // the loads in flight, and decode calls parallel_for hundreds of times a
  // token. Atomic only so that a second caller's misuse is no data race.
  std::atomic<uint64_t> calls_{0};
};

}  // namespace reach::run
