#pragma once
// A size in messages: "612.0 MiB". One spelling for every part that names
// sizes (the memory plan, the memory account, the GPU's allocations).
#include <cstddef>
#include <cstdio>
#include <string>

namespace reach::run {

inline std::string mib(size_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  return buf;
}

}  // namespace reach::run
