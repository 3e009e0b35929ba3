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

// Runs check(path) on every seed of fuzz/corpus/<target>; returns how many.
template <class Check>
int for_each_seed(const char* target, Check check) {
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(kCorpus / target)) {
    check(e.path());
    ++n;
  }
  return n;
}

// Expects parse(bytes, file name) to accept every seed of
// fuzz/corpus/<target>; returns how many there are.
template <class Parse>
int expect_seeds_parse(const char* target, Parse parse) {
  return for_each_seed(target, [&](const std::filesystem::path& p) {
    MappedFile f(p);
    EXPECT_NO_THROW(parse(f.bytes(), p.string())) << p;
  });
}

TEST(FuzzSeeds, SafetensorsSeedsParse) { EXPECT_GE(expect_seeds_parse("safetensors", parse_safetensors), 3); }

TEST(FuzzSeeds, GgufSeedsParseAndTheLlamaOneIsACompleteModel) {
  EXPECT_GE(expect_seeds_parse("gguf", parse_gguf), 3);
  MappedFile f(kCorpus / "gguf/llama.gguf");
  const GgufFile g = parse_gguf(f.bytes(), "llama.gguf");
  const ModelConfig c = model_config_from_gguf(g);
  EXPECT_EQ(c.dim, 32);
  EXPECT_EQ(vocab_from_gguf(g).tokens.size(), 8u);
}

TEST(FuzzSeeds, ConfigJsonSeedsParse) {
  EXPECT_GE(for_each_seed("config_json",
                          [](const std::filesystem::path& p) { EXPECT_NO_THROW(read_config_json(p)) << p; }),
            5);
}

TEST(FuzzSeeds, ShardIndexSeedsParse) { EXPECT_GE(expect_seeds_parse("shard_index", parse_shard_index), 2); }

}  // namespace
}  // namespace reach::run
