#pragma once
// Overflow-checked arithmetic for sizes read from untrusted files. A loader
// never multiplies two fields it has not bounded; it calls these and turns
// `false` into a FormatError naming the rule.
#include <cstdint>

namespace reach::run {

inline bool checked_mul(uint64_t a, uint64_t b, uint64_t* out) {
  return !__builtin_mul_overflow(a, b, out);
}

inline bool checked_add(uint64_t a, uint64_t b, uint64_t* out) {
  return !__builtin_add_overflow(a, b, out);
}

// Rounds `x` up to a multiple of `align` (a power of two); false on overflow.
inline bool checked_align_up(uint64_t x, uint64_t align, uint64_t* out) {
  uint64_t bumped;
  if (!checked_add(x, align - 1, &bumped)) return false;
  *out = bumped & ~(align - 1);
  return true;
}

inline bool is_power_of_two(uint64_t x) { return x != 0 && (x & (x - 1)) == 0; }

}  // namespace reach::run
