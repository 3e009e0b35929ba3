// libFuzzer: REACH_PREFETCH / --compare-prefetch text -> PrefetchDistances
// within its documented ranges, or std::runtime_error, nothing else (no
// crash, no other exception).
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "kernels/cpu_features.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const reach::run::PrefetchDistances p =
        reach::run::parse_prefetch(std::string(reinterpret_cast<const char*>(data), size), "REACH_PREFETCH=");
    const auto in_range = [](int64_t bytes) { return bytes >= 0 && bytes <= (1 << 20); };
    if (!in_range(p.l1) || !in_range(p.l2)) __builtin_trap();
    for (size_t i = 0; i < p.l2_by_type.size(); ++i) {
      if (!in_range(p.l2_by_type[i].second)) __builtin_trap();
      for (size_t j = 0; j < i; ++j)
        if (p.l2_by_type[j].first == p.l2_by_type[i].first) __builtin_trap();  // each type once
    }
  } catch (const std::runtime_error&) {
  }
  return 0;
}
