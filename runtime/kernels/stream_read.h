#pragma once
// A streaming read of memory, the way decode streams its weights: the
// roofline `reach-run bench --roofline` measures beside the decode, in the
// same process and the same minutes (docs/runtime.md, "The roofline within
// the run"). Each thread of the pool reads one contiguous share of a span
// front to back, a 64-byte line at a time in two 256-bit loads, with the
// decode kernels' own software prefetch instructions (prefetch_ahead.h).
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "kernels/cpu_features.h"
#include "kernels/thread_pool.h"

namespace reach::run {

// One way to read: what is prefetched ahead of each line (Ahead's l1 with
// prefetcht0, l2 with prefetcht1 or prefetchnta; 0: nothing), and its name
// for reports ("prefetchnta 6144 B", "no prefetch").
struct ReadPattern {
  Ahead ahead;
  std::string name;
};

// The patterns a roofline tries, so that it is the fastest read seen and
// never a weaker loop than the decode: no prefetch; prefetcht0 1, 2.5, 4 and
// 5 KiB ahead; prefetchnta 6, 9, 12 and 16 KiB ahead; and each of
// `decode_choices` (what the decode kernels use), each pattern once. (On
// Zen 5 the best were no prefetch and prefetchnta 9-16 KiB, 2026-12-06;
// two streams per thread, or reads in pieces of a matrix's size, read no
// faster.)
std::vector<ReadPattern> read_patterns(const std::vector<Ahead>& decode_choices);

// Reads every byte of `spans` once on `pool` with `ahead`. Returns the XOR
// of their 8-byte words (each span's from its start; a last partial word
// padded with zero bytes), so that no load can be left out; tests compare
// it with a plain loop.
uint64_t stream_read(std::span<const std::span<const std::byte>> spans, Ahead ahead, ThreadPool& pool);

}  // namespace reach::run
