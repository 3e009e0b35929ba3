// Perplexity (forge/perplexity.h) against a direct computation: each scored
// position's NLL from the double-precision reference forward over the
// window's prefix (its first token BOS), summed as llama-perplexity does.
#include "forge/perplexity.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <stdexcept>

#include "formats/model_source.h"
#include "reference_forward.h"
#include "forge_models.h"

namespace reach::run {
namespace {

const test::TestModelFiles& tiny_model() {
  static const test::TestModelFiles files = test::write_forge_model("ppl", 64, 2, 1);
  return files;
}

std::vector<int32_t> text_tokens(int64_t n) {
  std::vector<int32_t> t;
  for (int64_t i = 0; i < n; ++i) t.push_back(static_cast<int32_t>((i * 7919 + 13) % 31000 + 3));
  return t;
}

// The same measurement written out directly over the reference forward.
double reference_perplexity(const std::vector<int32_t>& tokens, int64_t ctx, int64_t step, int64_t first,
                            int64_t windows, int32_t bos) {
  double nll = 0;
  int64_t count = 0;
  for (int64_t w = 0; w < windows; ++w) {
    std::vector<int32_t> window(tokens.begin() + w * step, tokens.begin() + w * step + ctx);
    window[0] = bos;
    for (int64_t j = first; j < ctx - 1; ++j) {
      const auto logits = testing::reference_logits(tiny_model().hf_dir, {window.begin(), window.begin() + j + 1});
      double max = logits[0], sum = 0;
      for (double l : logits) max = std::max(max, l);
      for (double l : logits) sum += std::exp(l - max);
      nll += std::log(sum) - (logits[static_cast<size_t>(tokens[static_cast<size_t>(w * step + j + 1)])] - max);
      ++count;
    }
  }
  return std::exp(nll / static_cast<double>(count));
}

struct Loaded {
  std::unique_ptr<ModelSource> source = open_model(tiny_model().hf_dir);
  ThreadPool pool{2};
  Model model{*source, pool};
};

TEST(Perplexity, EqualsTheReferenceWithLlamaCppsWindows) {
  Loaded m;
  const auto tokens = text_tokens(37);  // 2 windows of 16, the rest unused as in llama.cpp
  PerplexityOptions o;
  o.ctx = 16, o.batch = 5, o.bos_id = 1;  // batches that split a window, and one that straddles its middle
  const PerplexityResult r = perplexity(m.model, tokens, o);
  ASSERT_EQ(r.windows.size(), 2u);
  EXPECT_EQ(r.tokens_scored, 2 * (16 - 8 - 1));
  const double ref = reference_perplexity(tokens, 16, 16, 8, 2, 1);
  EXPECT_NEAR(r.perplexity, ref, 1e-4 * ref);
  EXPECT_NEAR(r.windows.back().running_ppl, r.perplexity, 1e-12);
  EXPECT_NEAR(std::exp(r.mean_nll), r.perplexity, 1e-9 * r.perplexity);
  EXPECT_GT(r.standard_error, 0);
}

TEST(Perplexity, EqualsTheReferenceWithAStride) {
  Loaded m;
  const auto tokens = text_tokens(40);
  PerplexityOptions o;
  o.ctx = 16, o.stride = 6, o.batch = 16, o.bos_id = 1;
  const PerplexityResult r = perplexity(m.model, tokens, o);
  const int64_t windows = (40 - 16 + 6 - 1) / 6;
  ASSERT_EQ(static_cast<int64_t>(r.windows.size()), windows);
  EXPECT_EQ(r.tokens_scored, windows * 6);
  const double ref = reference_perplexity(tokens, 16, 6, 16 - 6 - 1, windows, 1);
  EXPECT_NEAR(r.perplexity, ref, 1e-4 * ref);
}

// Quantized files against F32 on the same tokens: |ppl - ppl_F32| / ppl_F32.
TEST(Perplexity, QuantizedFilesWithinStatedBoundsOfF32) {
  const auto tokens = text_tokens(64);
  PerplexityOptions o;
  o.ctx = 32, o.batch = 32, o.bos_id = 1;
  auto ppl = [&](const std::filesystem::path& path) {
    const auto source = open_model(path);
    ThreadPool pool(2);
    Model model(*source, pool);
    return perplexity(model, tokens, o).perplexity;
  };
  const double f32 = ppl(tiny_model().gguf.at(DType::F32));
  EXPECT_NEAR(f32, ppl(tiny_model().hf_dir), 1e-4 * f32);
  for (const auto& [type, bound] : {std::pair{DType::F16, 1e-3}, std::pair{DType::Q8_0, 1e-2}, std::pair{DType::Q4_0, 0.1}}) {
    const double q = ppl(tiny_model().gguf.at(type));
    const double rel = std::fabs(q - f32) / f32;
    std::printf("%s: perplexity %.4f, F32 %.4f, relative difference %.2e (bound %.0e)\n",
                std::string(type_traits(type).name).c_str(), q, f32, rel, bound);
    EXPECT_LT(rel, bound) << type_traits(type).name;
  }
}

TEST(Perplexity, RefusesTextsAndOptionsThatDoNotFit) {
  Loaded m;
  PerplexityOptions o;
  o.ctx = 16;
  const auto expect_error = [&](const std::vector<int32_t>& tokens, const PerplexityOptions& opt, const char* what) {
    try {
      perplexity(m.model, tokens, opt);
      ADD_FAILURE() << "no error, expected: " << what;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
    }
  };
  expect_error(text_tokens(31), o, "the text has 31 tokens; perplexity with --ctx 16 needs at least 32");
  PerplexityOptions stride = o;
  stride.stride = 16;
  expect_error(text_tokens(40), stride, "--stride must be between 1 and --ctx - 1 (15), got 16");
}

TEST(Perplexity, NegativeLogLikelihoodIsStableForLargeLogits) {
  const std::vector<float> logits = {1000.f, 1000.f, -1000.f};
  EXPECT_NEAR(negative_log_likelihood(logits, 0), std::log(2.0), 1e-12);
  EXPECT_GT(negative_log_likelihood(logits, 2), 1999.0);
}

}  // namespace
}  // namespace reach::run
