#include "model/memory_account.h"

#include <cstdio>
#include <string>

namespace reach::run {

namespace {

std::string mib(size_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  return buf;
}

}  // namespace

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
