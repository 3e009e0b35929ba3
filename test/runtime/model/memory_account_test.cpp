// The process's memory account (model/memory_account.h): counts, enforces
// a limit before allocating, names what asked, and the model's KV cache and
// activations go through it.
#include "model/memory_account.h"

#include <gtest/gtest.h>

#include <string>

#include "model/kv_cache.h"

namespace reach::run {
namespace {

// Restores the process-wide limit whatever a test does.
struct Limit {
  explicit Limit(size_t bytes) { MemoryAccount::process().set_limit(bytes); }
  ~Limit() { MemoryAccount::process().set_limit(0); }
};

TEST(MemoryAccount, RefusesPastTheLimitBeforeAllocatingAndNamesWhat) {
  MemoryAccount& account = MemoryAccount::process();
  const size_t before = account.used();
  Limit limit(before + (1 << 20));
  account.reserve(512 << 10, "the weights");
  try {
    account.reserve(600 << 10, "the KV cache");
    ADD_FAILURE() << "no error past the limit";
  } catch (const MemoryBudgetExceeded& e) {
    EXPECT_NE(std::string(e.what()).find("the KV cache needs 0.6 MiB more"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("budget (--max-memory)"), std::string::npos) << e.what();
  }
  EXPECT_EQ(account.used(), before + (512 << 10)) << "a refused reservation counts nothing";
  account.release(512 << 10);
  EXPECT_EQ(account.used(), before);
  EXPECT_GE(account.peak(), before + (512 << 10));
}

TEST(MemoryAccount, KvCacheAndVectorsAreCountedAndLimited) {
  MemoryAccount& account = MemoryAccount::process();
  const size_t before = account.used();
  ModelConfig c;
  c.n_layers = 2, c.n_kv_heads = 2, c.head_dim = 16;
  {
    KVCache cache(c, 64);
    EXPECT_EQ(account.used(), before + KVCache::bytes_for(c, 64));
  }
  EXPECT_EQ(account.used(), before) << "freed memory leaves the account";
  Limit limit(before + KVCache::bytes_for(c, 64) - 1);
  EXPECT_THROW(KVCache(c, 64), MemoryBudgetExceeded);
  AccountedVector<float> v{AccountedAllocator<float>("activations")};
  EXPECT_THROW(v.resize(1 << 20), MemoryBudgetExceeded);
  EXPECT_EQ(account.used(), before);
}

}  // namespace
}  // namespace reach::run
