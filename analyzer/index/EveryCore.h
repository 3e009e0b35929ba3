// The index's parts decode independently of each other: each on whichever
// core is free (decoding is most of a query on a warm index).
#pragma once

#include "llvm/ADT/STLFunctionalExtras.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

namespace reach {

/// Decode(I) for every I in [0, Count), on up to eight threads; false if
/// any call returned false.
inline bool decodeOnEveryCore(size_t Count, llvm::function_ref<bool(size_t)> Decode) {
  std::atomic<size_t> Next{0};
  std::atomic<bool> Ok{true};
  auto Work = [&] {
    for (size_t I; (I = Next++) < Count;)
      if (!Decode(I))
        Ok = false;
  };
  std::vector<std::thread> Workers;
  for (unsigned T = 1; T < std::min(8u, std::max(1u, std::thread::hardware_concurrency())); ++T)
    Workers.emplace_back(Work);
  Work();
  for (std::thread &W : Workers)
    W.join();
  return Ok;
}

} // namespace reach
