// The fuzzers' seed corpora must be files the readers accept, or the
// fuzzers would start from nothing but error paths.
#include <gtest/gtest.h>

#include <filesystem>

#include "formats/config_json.h"
#include "formats/gguf.h"
#include "formats/gguf_model.h"
#include "formats/mapped_file.h"
#include "formats/safetensors.h"

namespace reach::run {
namespace {

const std::filesystem::path kCorpus = std::filesystem::path(REACH_SOURCE_DIR) / "fuzz/corpus";

TEST(FuzzSeeds, SafetensorsSeedsParse) {
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(kCorpus / "safetensors")) {
    MappedFile f(e.path());
    EXPECT_NO_THROW(parse_safetensors(f.bytes(), e.path().string())) << e.path();
    ++n;
  }
  EXPECT_GE(n, 3);
}

TEST(FuzzSeeds, GgufSeedsParseAndTheLlamaOneIsACompleteModel) {
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(kCorpus / "gguf")) {
    MappedFile f(e.path());
    EXPECT_NO_THROW(parse_gguf(f.bytes(), e.path().string())) << e.path();
    ++n;
  }
  EXPECT_GE(n, 3);
  MappedFile f(kCorpus / "gguf/llama.gguf");
  const GgufFile g = parse_gguf(f.bytes(), "llama.gguf");
  const ModelConfig c = model_config_from_gguf(g);
  EXPECT_EQ(c.dim, 32);
  EXPECT_EQ(vocab_from_gguf(g).tokens.size(), 8u);
}

TEST(FuzzSeeds, ConfigJsonSeedsParse) {
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(kCorpus / "config_json")) {
    EXPECT_NO_THROW(read_config_json(e.path())) << e.path();
    ++n;
  }
  EXPECT_GE(n, 5);
}

TEST(FuzzSeeds, ShardIndexSeedsParse) {
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(kCorpus / "shard_index")) {
    MappedFile f(e.path());
    EXPECT_NO_THROW(parse_shard_index(f.bytes(), e.path().string())) << e.path();
    ++n;
  }
  EXPECT_GE(n, 2);
}

}  // namespace
}  // namespace reach::run
