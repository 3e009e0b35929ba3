#include "kernels/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace reach::run {
namespace {

TEST(ThreadPool, CoversEveryIndexExactlyOnce) {
  for (int threads : {1, 2, 3, 5}) {
    ThreadPool pool(threads);
    EXPECT_EQ(pool.size(), threads);
    for (int64_t n : {1, 2, 7, 16, 33, 1000}) {
      for (int64_t grain : {1, 4, 16}) {
        std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
        pool.parallel_for(n, grain, [&](int64_t b, int64_t e) {
          ASSERT_LE(0, b);
          ASSERT_LT(b, e);
          ASSERT_LE(e, n);
          ASSERT_EQ(b % grain, 0);
          if (e < n) ASSERT_EQ(e % grain, 0);
          for (int64_t i = b; i < e; ++i) hits[static_cast<size_t>(i)]++;
        });
        for (int64_t i = 0; i < n; ++i)
          ASSERT_EQ(hits[static_cast<size_t>(i)].load(), 1) << "threads " << threads << " n " << n << " i " << i;
      }
    }
  }
}

TEST(ThreadPool, UsesSeveralThreadsAndSurvivesManyRounds) {
  ThreadPool pool(2);
  std::atomic<int64_t> total{0};
  for (int round = 0; round < 2000; ++round)
    pool.parallel_for(64, 1, [&](int64_t b, int64_t e) { total += e - b; });
  EXPECT_EQ(total.load(), 64 * 2000);
}

// A thread that stalls in its first piece holds up that piece only: the
// others take the rest of its share from the back. The caller waits in its
// first piece until the worker has begun (so it cannot simply run the
// whole job before the worker wakes), then the worker stalls. Without
// stealing the caller would end with its own part, 32 (or, with 2 chunks
// per thread taken as they come, 48) of the 64 indices.
TEST(ThreadPool, OthersTakeOverTheShareOfAStalledThread) {
  ThreadPool pool(2);
  const auto caller = std::this_thread::get_id();
  for (int round = 0; round < 3; ++round) {
    std::atomic<int64_t> by_caller{0};
    std::atomic<bool> worker_began{false};
    pool.parallel_for(64, 1, [&](int64_t b, int64_t e) {
      if (std::this_thread::get_id() == caller) {
        const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (!worker_began.load() && std::chrono::steady_clock::now() < give_up) std::this_thread::yield();
        by_caller += e - b;
      } else if (!worker_began.exchange(true)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
    });
    EXPECT_TRUE(worker_began.load()) << "round " << round << ": the worker never took a piece";
    EXPECT_GE(by_caller.load(), 60) << "round " << round;
  }
}

TEST(ThreadPool, ZeroMeansAllCores) {
  ThreadPool pool(0);
  EXPECT_EQ(pool.size(), static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
}

}  // namespace
}  // namespace reach::run

namespace reach::run {
namespace {

// One pool serves one caller: a second thread's call while a job runs is a
// clear error, never a silently corrupted job; the pool works afterwards.
TEST(ThreadPool, ASecondCallerWhileAJobRunsThrows) {
  ThreadPool pool(2);
  std::atomic<bool> inside{false}, release{false};
  std::thread first([&] {
    pool.parallel_for(2, 1, [&](int64_t, int64_t) {
      inside = true;
      while (!release) std::this_thread::yield();
    });
  });
  while (!inside) std::this_thread::yield();
  EXPECT_THROW(pool.parallel_for(2, 1, [](int64_t, int64_t) {}), std::logic_error);
  release = true;
  first.join();
  std::atomic<int64_t> sum{0};
  pool.parallel_for(100, 1, [&](int64_t b, int64_t e) { sum += e - b; });
  EXPECT_EQ(sum.load(), 100);
}

}  // namespace
}  // namespace reach::run
