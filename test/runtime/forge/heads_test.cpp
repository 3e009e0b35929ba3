// Head importance (forge/heads.h) against direct computations: the weight
// norms over the file's tensors read by the reference's own safetensors
// reader, the activation scores over the double reference forward's
// attention outputs.
#include "forge/heads.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "formats/model_source.h"
#include "reference_forward.h"
#include "forge_models.h"

namespace reach::run {
namespace {

const test::TestModelFiles& gqa_model() {
  static const test::TestModelFiles files = test::write_forge_model("heads", 64, 2, 11);
  return files;
}

// Sum of squares of rows [r0, r1) and columns [c0, c1) of a {rows, cols} tensor.
double squares(const testing::ReferenceTensor& t, int64_t r0, int64_t r1, int64_t c0, int64_t c1) {
  double s = 0;
  for (int64_t r = r0; r < r1; ++r)
    for (int64_t c = c0; c < c1; ++c) s += t.data[static_cast<size_t>(r * t.shape[1] + c)] * t.data[static_cast<size_t>(r * t.shape[1] + c)];
  return s;
}

TEST(Heads, WeightNormsEqualADirectComputationOverTheFile) {
  const auto& f = gqa_model();
  const auto scores = head_weight_scores(*open_model(f.hf_dir));
  const int64_t hd = 16, dim = 64;
  ASSERT_EQ(scores.size(), 2u);
  for (const auto& layer : scores) {
    ASSERT_EQ(layer.size(), 4u);
    const std::string p = "model.layers." + std::to_string(layer.front().layer) + ".self_attn.";
    const auto q = testing::reference_tensor(f.hf_dir, p + "q_proj.weight");
    const auto k = testing::reference_tensor(f.hf_dir, p + "k_proj.weight");
    const auto o = testing::reference_tensor(f.hf_dir, p + "o_proj.weight");
    for (const HeadScore& s : layer) {
      const double q2 = squares(q, s.head * hd, (s.head + 1) * hd, 0, dim);
      const double o2 = squares(o, 0, dim, s.head * hd, (s.head + 1) * hd);
      EXPECT_EQ(s.kv_head, s.head / 2);
      EXPECT_NEAR(s.q_l2, std::sqrt(q2), 1e-9 * std::sqrt(q2));
      EXPECT_NEAR(s.o_l2, std::sqrt(o2), 1e-9 * std::sqrt(o2));
      EXPECT_NEAR(s.k_l2, std::sqrt(squares(k, s.kv_head * hd, (s.kv_head + 1) * hd, 0, dim)), 1e-9);
      EXPECT_NEAR(s.weight_l2, std::sqrt(q2 + o2), 1e-9 * std::sqrt(q2 + o2));
    }
  }
}

// The GGUF file stores llama's q/k rows permuted within each head and may
// quantize them: per-head norms are unchanged by the permutation (F32
// equal), and within the quantization's error for Q8_0.
TEST(Heads, GgufGivesTheSameNormsAsTheHfFolder) {
  const auto& f = gqa_model();
  const auto hf = head_weight_scores(*open_model(f.hf_dir));
  const auto f32 = head_weight_scores(*open_model(f.gguf.at(DType::F32)));
  const auto q8 = head_weight_scores(*open_model(f.gguf.at(DType::Q8_0)));
  for (size_t l = 0; l < hf.size(); ++l)
    for (size_t h = 0; h < hf[l].size(); ++h) {
      EXPECT_NEAR(f32[l][h].weight_l2, hf[l][h].weight_l2, 1e-6 * hf[l][h].weight_l2);
      EXPECT_NEAR(f32[l][h].k_l2, hf[l][h].k_l2, 1e-6 * hf[l][h].k_l2);
      EXPECT_NEAR(q8[l][h].weight_l2, hf[l][h].weight_l2, 1e-2 * hf[l][h].weight_l2);
    }
}

TEST(Heads, ActivationScoresEqualTheReferenceAttentionOutputs) {
  const auto& f = gqa_model();
  const auto source = open_model(f.hf_dir);
  ThreadPool pool(2);
  Model model(*source, pool);
  const std::vector<int32_t> tokens = {1, 450, 4996, 17354, 1701, 432, 29871, 13, 9};
  auto scores = head_weight_scores(*source);
  add_activation_scores(model, tokens, 64, scores);
  testing::ReferenceTrace trace;
  testing::reference_logits(f.hf_dir, tokens, &trace);
  for (const auto& layer : scores)
    for (const HeadScore& s : layer) {
      double mean = 0;
      for (const auto& att : trace.attention[static_cast<size_t>(s.layer)]) {
        double sq = 0;
        for (int64_t i = s.head * 16; i < (s.head + 1) * 16; ++i) sq += att[static_cast<size_t>(i)] * att[static_cast<size_t>(i)];
        mean += std::sqrt(sq) / static_cast<double>(tokens.size());
      }
      EXPECT_NEAR(s.activation, mean, 1e-4 * mean) << "layer " << s.layer << " head " << s.head;
    }
}

// --mask-heads: the masked heads output exactly zero, and the logits equal
// the reference forward with those heads' attention outputs zeroed.
TEST(Heads, MaskedHeadsOutputZeroAndMatchTheMaskedReference) {
  const auto& f = gqa_model();
  const auto source = open_model(f.hf_dir);
  ThreadPool pool(2);
  Model model(*source, pool);
  const std::vector<std::pair<int32_t, int32_t>> masked = {{0, 1}, {1, 2}, {1, 3}};
  model.mask_heads(masked);
  double masked_sum = 0, other_sum = 0;
  model.set_attention_probe([&](int32_t layer, std::span<const float> att, int64_t n) {
    for (int64_t t = 0; t < n; ++t)
      for (int32_t h = 0; h < 4; ++h)
        for (int64_t i = 0; i < 16; ++i) {
          const bool is_masked = std::find(masked.begin(), masked.end(), std::make_pair(layer, h)) != masked.end();
          (is_masked ? masked_sum : other_sum) += std::fabs(att[static_cast<size_t>((t * 4 + h) * 16 + i)]);
        }
  });
  const std::vector<int32_t> tokens = {1, 450, 4996, 17354, 1701};
  KVCache cache = model.make_cache(8);
  const auto got = model.forward(tokens, cache);
  EXPECT_EQ(masked_sum, 0.0);
  EXPECT_GT(other_sum, 0.0);
  testing::ReferenceTrace trace;
  for (const auto& [l, h] : masked) trace.masked_heads.emplace_back(l, h);
  const auto ref = testing::reference_logits(f.hf_dir, tokens, &trace);
  const auto unmasked = testing::reference_logits(f.hf_dir, tokens);
  double diff = 0, scale = 0, change = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    diff = std::max(diff, std::fabs(got[i] - ref[i]));
    scale = std::max(scale, std::fabs(ref[i]));
    change = std::max(change, std::fabs(unmasked[i] - ref[i]));
  }
  EXPECT_LT(diff / scale, 1e-4);
  EXPECT_GT(change / scale, 1e-3) << "masking these heads should change the logits";
}

TEST(Heads, HeadListsAreParsedOrRefusedByName) {
  EXPECT_EQ(parse_head_list("0:3,5:1"), (std::vector<std::pair<int32_t, int32_t>>{{0, 3}, {5, 1}}));
  for (const char* bad : {"", "0", "0:", ":1", "a:1", "0:1,", "0:-1", "0:99999999999"}) {
    try {
      parse_head_list(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("is not LAYER:HEAD"), std::string::npos) << e.what();
    }
  }
  const auto source = open_model(gqa_model().hf_dir);
  ThreadPool pool(1);
  Model model(*source, pool);
  EXPECT_THROW(model.mask_heads({{2, 0}}), std::out_of_range);
  EXPECT_THROW(model.mask_heads({{0, 4}}), std::out_of_range);
}

}  // namespace
}  // namespace reach::run
