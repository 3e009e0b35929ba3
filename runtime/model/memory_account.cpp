#include "model/memory_account.h"

#include <fstream>
#include <sstream>
#include <string>

#include "formats/mib.h"

namespace reach::run {

ResidentMemory resident_memory() {
  std::ifstream in("/proc/self/status");
  ResidentMemory m;
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line.substr(line.find(':') + 1));
    size_t kib = 0;
    fields >> kib;
    if (line.starts_with("VmRSS:")) m.now = kib << 10;
    if (line.starts_with("VmHWM:")) m.peak = kib << 10;
  }
  return m;
}

void reset_resident_peak() { std::ofstream("/proc/self/clear_refs") << "5"; }

MemoryAccount& MemoryAccount::process() {
  static MemoryAccount account;
  return account;
}

MemoryAccount& MemoryAccount::gpu() {
  static MemoryAccount account;
  return account;
}

void MemoryAccount::reserve(size_t bytes, const char* what) {
  const size_t now = used_.fetch_add(bytes) + bytes;
  if (limit_ != 0 && now > limit_) {
    used_ -= bytes;
    throw MemoryBudgetExceeded(std::string(what) + " needs " + mib(bytes) + " more, but " + mib(now - bytes) +
                               " of the " + mib(limit_) + " budget (--max-memory) is in use");
  }
  for (size_t p = peak_; now > p && !peak_.compare_exchange_weak(p, now);) {
  }
}

}  // namespace reach::run
