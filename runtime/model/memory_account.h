#pragma once
// One account for the large allocations of the process: the weights (read
// in place from the mapping or repacked, reserved once at load by the
// command), KV caches, activations and logits. With a limit (--max-memory),
// an allocation that would pass it throws MemoryBudgetExceeded naming what
// asked and the sizes, before anything is allocated: an error with exit
// status 2, never an OOM kill. Without a limit it only counts.
#include <atomic>
#include <cstddef>
#include <memory>
#include <stdexcept>
#include <type_traits>
#include <vector>

namespace reach::run {

// What the kernel says the process holds (/proc/self/status): resident
// memory now (VmRSS) and at its peak (VmHWM), in bytes; 0 where unknown.
struct ResidentMemory {
  size_t now = 0, peak = 0;
};
ResidentMemory resident_memory();
// Starts the peak over from now (Linux: clear_refs 5), so that a later
// resident_memory().peak is the peak of what follows; without that kernel
// support the peak stays the process's.
void reset_resident_peak();

struct MemoryBudgetExceeded : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class MemoryAccount {
 public:
  static MemoryAccount& process();
  // The GPU's memory, counted apart (weights, KV caches and activations of
  // a model that runs there), under the same --max-memory limit.
  static MemoryAccount& gpu();

  void set_limit(size_t bytes) { limit_ = bytes; }  // 0: no limit
  size_t used() const { return used_; }              // counted now
  size_t peak() const { return peak_; }              // the most ever counted at once

  // Counts `bytes` for `what` ("KV cache"), or throws MemoryBudgetExceeded.
  void reserve(size_t bytes, const char* what);
  void release(size_t bytes) noexcept { used_ -= bytes; }

 private:
  std::atomic<size_t> limit_{0}, used_{0}, peak_{0};
};

// A std::allocator that reserves in the process's account first.
// Every instance counts into the one account: any can free what another
// allocated (is_always_equal).
template <class T>
struct AccountedAllocator {
  using value_type = T;
  using is_always_equal = std::true_type;
  const char* what;
  explicit AccountedAllocator(const char* what) : what(what) {}

  T* allocate(size_t n) {
    MemoryAccount::process().reserve(n * sizeof(T), what);
    try {
      return std::allocator<T>().allocate(n);
    } catch (...) {
      MemoryAccount::process().release(n * sizeof(T));
      throw;
    }
  }
  void deallocate(T* p, size_t n) noexcept {
    std::allocator<T>().deallocate(p, n);
    MemoryAccount::process().release(n * sizeof(T));
  }
};

template <class T>
using AccountedVector = std::vector<T, AccountedAllocator<T>>;

}  // namespace reach::run
