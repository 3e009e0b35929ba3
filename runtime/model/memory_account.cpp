#include "model/memory_account.h"

#include <string>

#include "formats/mib.h"

namespace reach::run {

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
