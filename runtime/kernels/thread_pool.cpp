#include "kernels/thread_pool.h"

#include <immintrin.h>

#include <algorithm>
#include <stdexcept>

namespace reach::run {

namespace {
// About 190 microseconds of spinning on the development VM (a pause there
// takes ~9.5 ns): long enough to cover the gap between two matrix-vector
// products, short enough not to burn a core while the tool waits on the
// terminal.
constexpr int kSpinIterations = 20000;
// Pieces per share: the finer, the closer the threads finish together; each
// piece costs a claim (an uncontended compare-exchange) and a call. A
// thread's pieces are contiguous, so its memory stream runs on across them.
// Measured on decode (reach-run bench -p 0 -n 64, Q4_0, 2 threads, median
// of 5-6 interleaved runs): 32 pieces per share 59.1 t/s, 8 pieces 58.7,
// one share per thread and no stealing 59.7, and the former scheme of 2
// chunks per thread taken as they come 56.3-57.9 (each chunk a new memory
// stream). Counting finished pieces in the shared counter one by one
// instead of once per thread cost 6%.
constexpr int64_t kPiecesPerShare = 32;
constexpr uint64_t kFieldMask = (uint64_t{1} << 24) - 1;

uint64_t pack(uint64_t generation, uint64_t front, uint64_t back) {
  return (generation & 0xFFFF) << 48 | front << 24 | back;
}
}  // namespace

ThreadPool::ThreadPool(int n_threads) {
  if (n_threads <= 0) n_threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  n_threads_ = n_threads;
  shares_ = std::make_unique<Share[]>(static_cast<size_t>(n_threads_));
  for (int i = 1; i < n_threads_; ++i) workers_.emplace_back([this, i] { worker_loop(i); });
}

ThreadPool::~ThreadPool() {
  stop_.store(true, std::memory_order_release);
  wake_.fetch_add(1, std::memory_order_acq_rel);
  wake_.notify_all();
  for (auto& t : workers_) t.join();
}

int64_t ThreadPool::claim(int self, int owner) {
  std::atomic<uint64_t>& word = shares_[static_cast<size_t>(owner)].word;
  uint64_t state = word.load(std::memory_order_acquire);
  for (;;) {
    const uint64_t front = state >> 24 & kFieldMask, back = state & kFieldMask;
    if (front >= back) return -1;
    const uint64_t next = self == owner ? pack(state >> 48, front + 1, back) : pack(state >> 48, front, back - 1);
    if (word.compare_exchange_weak(state, next, std::memory_order_acq_rel, std::memory_order_acquire))
      return static_cast<int64_t>(self == owner ? front : back - 1);
  }
}

void ThreadPool::work_on_current_job(int self) {
  // Pieces done are counted once at the end: one write to the shared
  // counter per thread and job, not one per piece.
  int64_t ran = 0;
  for (int k = 0; k < n_threads_; ++k) {
    const int owner = (self + k) % n_threads_;
    for (int64_t piece; (piece = claim(self, owner)) >= 0; ++ran) {
      const int64_t begin = piece * piece_;
      invoke_(fn_, begin, std::min(n_, begin + piece_));
    }
  }
  if (ran) done_.fetch_add(ran, std::memory_order_release);
}

void ThreadPool::run(int64_t n, int64_t grain, const void* fn, Invoke invoke) {
  calls_.store(calls_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  if (n <= 0) return;
  grain = std::max<int64_t>(1, grain);
  const int64_t units = (n + grain - 1) / grain;
  if (n_threads_ == 1 || units == 1) {
    invoke(fn, 0, n);
    return;
  }
  if (busy_.exchange(true, std::memory_order_acquire))
    throw std::logic_error("ThreadPool: parallel_for called while another call runs (from a second thread, "
                           "or from inside fn); one pool serves one caller at a time");
  struct Release {
    std::atomic<bool>& busy;
    ~Release() { busy.store(false, std::memory_order_release); }
  } release{busy_};
  const int64_t units_per_piece = std::max<int64_t>(1, units / (int64_t{n_threads_} * kPiecesPerShare));
  const int64_t pieces = std::min<int64_t>((units + units_per_piece - 1) / units_per_piece, kFieldMask);
  fn_ = fn;
  invoke_ = invoke;
  n_ = n;
  piece_ = (units + pieces - 1) / pieces * grain;
  const int64_t n_pieces = (n + piece_ - 1) / piece_;
  done_.store(0, std::memory_order_relaxed);
  ++generation_;
  for (int i = 0; i < n_threads_; ++i) {
    const auto front = static_cast<uint64_t>(n_pieces * i / n_threads_);
    const auto back = static_cast<uint64_t>(n_pieces * (i + 1) / n_threads_);
    shares_[static_cast<size_t>(i)].word.store(pack(generation_, front, back), std::memory_order_release);
  }
  wake_.fetch_add(1, std::memory_order_acq_rel);
  wake_.notify_all();
  work_on_current_job(0);
  for (int spins = 0; done_.load(std::memory_order_acquire) != n_pieces; ++spins) {
    if (spins < kSpinIterations) _mm_pause();
    else std::this_thread::yield();
  }
}

void ThreadPool::worker_loop(int self) {
  uint32_t seen = 0;
  for (;;) {
    uint32_t now = wake_.load(std::memory_order_acquire);
    for (int spins = 0; now == seen && spins < kSpinIterations; ++spins) {
      _mm_pause();
      now = wake_.load(std::memory_order_acquire);
    }
    if (now == seen) {
      wake_.wait(seen, std::memory_order_acquire);
      continue;
    }
    seen = now;
    if (stop_.load(std::memory_order_acquire)) return;
    work_on_current_job(self);
  }
}

}  // namespace reach::run
