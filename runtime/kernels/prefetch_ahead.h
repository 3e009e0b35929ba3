#pragma once
// Software prefetch of a weight stream a distance ahead of its reads, as
// kernels/cpu_features.h's Ahead says: used by the row-group kernels
// (row_groups_kernel.h, row_groups_k_kernel.h).
//
// Internal linkage on purpose (see row_groups_layout.h): each instruction-set
// variant compiles its own copy with its own flags.
#include <immintrin.h>

#include <cstdint>

#include "kernels/cpu_features.h"

namespace reach::run {
namespace {

// Prefetches run ahead of the stream and past its end at the last lines.
// The address is computed as an integer: a pointer formed beyond its buffer
// is undefined behaviour even if never dereferenced (a prefetch never faults).
inline const char* ahead_of(const char* line, int64_t bytes) {
  return reinterpret_cast<const char*>(reinterpret_cast<uintptr_t>(line) + static_cast<uintptr_t>(bytes));
}

// The line `ahead.l1` bytes on into L1 and the one `ahead.l2` bytes on into
// L2 (prefetchnta where ahead.l2_nta says so). A distance of 0 issues no
// prefetch at all (the CPU's own prefetchers do the work: Zen 5's for L1).
inline void prefetch_lines_ahead(const char* line, Ahead ahead) {
  if (ahead.l1 != 0) _mm_prefetch(ahead_of(line, ahead.l1), _MM_HINT_T0);
  if (ahead.l2 == 0) return;
  if (ahead.l2_nta) _mm_prefetch(ahead_of(line, ahead.l2), _MM_HINT_NTA);
  else _mm_prefetch(ahead_of(line, ahead.l2), _MM_HINT_T1);
}

}  // namespace
}  // namespace reach::run
