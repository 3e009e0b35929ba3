// Head pruning (forge/prune.h): the pruned files load, their pruned slices
// are zero and the rest unchanged, and their logits equal the original
// model's with those heads masked.
#include "forge/prune.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <stdexcept>

#include "formats/model_source.h"
#include "forge_models.h"

namespace reach::run {
namespace {

namespace fs = std::filesystem;

const test::TestModelFiles& model_files() {
  static const test::TestModelFiles files = test::write_forge_model("prune", 128, 2, 21);  // head_dim 32: one Q8_0 block
  return files;
}

fs::path fresh(const std::string& name) {
  const fs::path p = test::process_dir(REACH_TEST_DATA_DIR) / "pruned" / name;
  fs::remove_all(p);
  fs::create_directories(p.parent_path());
  return p;
}

std::vector<float> logits(const fs::path& path, const HeadList& mask) {
  const auto source = open_model(path);
  ThreadPool pool(2);
  Model model(*source, pool);
  model.mask_heads(mask);
  KVCache cache = model.make_cache(8);
  const std::vector<int32_t> tokens = {1, 450, 4996, 17354, 1701};
  const auto out = model.forward(tokens, cache);
  return {out.begin(), out.end()};
}

double max_relative_difference(const std::vector<float>& a, const std::vector<float>& b) {
  double diff = 0, scale = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff = std::max(diff, std::fabs(static_cast<double>(a[i]) - b[i]));
    scale = std::max(scale, std::fabs(static_cast<double>(b[i])));
  }
  return diff / scale;
}

// Heads 0:2 and 0:3 make up KV head 1 of layer 0: its k and v rows go too.
const HeadList kHeads = {{0, 2}, {0, 3}, {1, 0}};

void expect_pruned(const fs::path& original, const fs::path& pruned, double tolerance) {
  const auto before = head_weight_scores(*open_model(original));
  const auto after = head_weight_scores(*open_model(pruned));
  for (size_t l = 0; l < before.size(); ++l)
    for (size_t h = 0; h < before[l].size(); ++h) {
      const bool gone = std::find(kHeads.begin(), kHeads.end(), std::make_pair(int32_t(l), int32_t(h))) != kHeads.end();
      EXPECT_EQ(after[l][h].q_l2 == 0 && after[l][h].o_l2 == 0, gone) << l << ":" << h;
      if (!gone) EXPECT_EQ(after[l][h].weight_l2, before[l][h].weight_l2) << l << ":" << h;
    }
  EXPECT_EQ(after[0][2].k_l2, 0.0);
  EXPECT_EQ(after[0][2].v_l2, 0.0);
  EXPECT_GT(after[1][0].k_l2, 0.0) << "KV head 0 of layer 1 still serves head 1:1";
  const auto masked = logits(original, kHeads), unmasked = logits(original, {});
  EXPECT_LT(max_relative_difference(logits(pruned, {}), masked), tolerance);
  EXPECT_GT(max_relative_difference(unmasked, masked), 1e-3) << "pruning these heads should change the logits";
}

TEST(Prune, HfFolderGivesTheMaskedLogits) {
  const fs::path out = fresh("hf");
  write_pruned(*open_model(model_files().hf_dir), kHeads, out);
  EXPECT_TRUE(fs::exists(out / "tokenizer.json"));
  EXPECT_TRUE(fs::exists(out / "config.json"));
  expect_pruned(model_files().hf_dir, out, 1e-6);
}

TEST(Prune, GgufFilesGiveTheMaskedLogits) {
  // F32 exactly; Q8_0 within its activation rounding (the masked run
  // quantizes zeros where the pruned run quantizes a zeroed head's values).
  for (const auto& [type, tol] : {std::pair{DType::F32, 1e-6}, std::pair{DType::Q8_0, 2e-2}}) {
    const fs::path out = fresh(std::string(type_traits(type).name) + ".gguf");
    write_pruned(*open_model(model_files().gguf.at(type)), kHeads, out);
    expect_pruned(model_files().gguf.at(type), out, tol);
  }
}

TEST(Prune, RefusesWhatItCannotDoExactly) {
  const auto source = open_model(model_files().gguf.at(DType::F32));
  EXPECT_THROW(write_pruned(*source, {{2, 0}}, fresh("outside.gguf")), std::invalid_argument);
  EXPECT_THROW(write_pruned(*source, kHeads, fresh("wrong-format")), std::invalid_argument);
  const fs::path existing = fresh("existing.gguf");
  { std::ofstream(existing) << "x"; }
  EXPECT_THROW(write_pruned(*source, kHeads, existing), std::invalid_argument);

  // head_dim 16 under Q8_0's blocks of 32: a head's o columns are half a block.
  const auto small = test::write_forge_model("prune-hd16", 64, 1, 1);
  try {
    write_pruned(*open_model(small.gguf.at(DType::Q8_0)), {{0, 1}}, fresh("hd16.gguf"));
    ADD_FAILURE() << "pruned half blocks";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("are not whole blocks, so they cannot be zeroed exactly"), std::string::npos)
        << e.what();
  }
}

TEST(Prune, LowestHeadsTakesTheFractionByScore) {
  std::vector<std::vector<HeadScore>> scores(2, std::vector<HeadScore>(2));
  const double w[2][2] = {{3, 1}, {4, 2}};
  for (int l = 0; l < 2; ++l)
    for (int h = 0; h < 2; ++h) scores[l][h].layer = l, scores[l][h].head = h, scores[l][h].weight_l2 = w[l][h];
  EXPECT_EQ(lowest_heads(scores, 0.5, false), (HeadList{{0, 1}, {1, 1}}));
  EXPECT_EQ(lowest_heads(scores, 0.0, false), HeadList{});
  EXPECT_EQ(lowest_heads(scores, 1.0, false).size(), 4u);
}

}  // namespace
}  // namespace reach::run
