// The test-model writer, read back through open_model: the HF folder and
// every GGUF file hold the same model.
#include <gtest/gtest.h>

#include <cstring>

#include "format_error_matchers.h"
#include "formats/half.h"
#include "formats/model_source.h"
#include "quantize_ref.h"
#include "test_model_writer.h"

namespace reach::run {
namespace {

namespace fs = std::filesystem;

std::vector<float> as_f32(const TensorView& t) {
  std::vector<float> out(static_cast<size_t>(t.numel()));
  if (t.dtype == DType::F32) {
    std::memcpy(out.data(), t.data, out.size() * 4);
  } else {
    for (size_t i = 0; i < out.size(); ++i) {
      uint16_t h;
      std::memcpy(&h, t.data + 2 * i, 2);
      out[i] = t.dtype == DType::F16 ? f16_to_f32(h) : bf16_to_f32(h);
    }
  }
  return out;
}

// Undo convert_hf_to_gguf's permute: row h*hd + 2i + j came from h*hd + j*hd/2 + i.
std::vector<float> unpermute(const std::vector<float>& w, int64_t n_head, int64_t hd, int64_t cols) {
  std::vector<float> out(w.size());
  for (int64_t h = 0; h < n_head; ++h)
    for (int64_t i = 0; i < hd / 2; ++i)
      for (int64_t j = 0; j < 2; ++j)
        std::memcpy(&out[((h * hd) + j * hd / 2 + i) * cols], &w[((h * hd) + 2 * i + j) * cols], cols * 4);
  return out;
}

class LlamaWriterRoundTrip : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    test::TestModelSpec spec;
    spec.arch = "llama";
    spec.dim = 64;
    spec.n_layers = 2;
    spec.n_heads = 4;
    spec.n_kv_heads = 2;
    spec.ffn_dim = 96;
    spec.seed = 11;
    spec.init_scale = 0.1f;
    spec.tokenizer_dir = testing::tokenizer_dir("llama2");
    files_ = new test::TestModelFiles(test::write_test_model(spec, testing::scratch_dir("llama_roundtrip")));
    spec.hf_shards = 3;
    spec.hf_dtype = DType::BF16;
    spec.gguf_types = {};
    sharded_ = new test::TestModelFiles(test::write_test_model(spec, testing::scratch_dir("llama_sharded_bf16")));
  }
  static void TearDownTestSuite() {
    delete files_;
    delete sharded_;
  }
  static test::TestModelFiles* files_;
  static test::TestModelFiles* sharded_;
};
test::TestModelFiles* LlamaWriterRoundTrip::files_ = nullptr;
test::TestModelFiles* LlamaWriterRoundTrip::sharded_ = nullptr;

TEST_F(LlamaWriterRoundTrip, ConfigsAgree) {
  const auto hf = open_model(files_->hf_dir);
  const auto gguf = open_model(files_->gguf.at(DType::F32));
  for (const ModelConfig* c : {&hf->config(), &gguf->config()}) {
    EXPECT_EQ(c->arch, Arch::Llama);
    EXPECT_EQ(c->dim, 64);
    EXPECT_EQ(c->n_layers, 2);
    EXPECT_EQ(c->n_heads, 4);
    EXPECT_EQ(c->n_kv_heads, 2);
    EXPECT_EQ(c->head_dim, 16);
    EXPECT_EQ(c->ffn_dim, 96);
    EXPECT_EQ(c->vocab_size, 32000);
    EXPECT_EQ(c->max_seq_len, 512);
    EXPECT_EQ(c->bos_id, 1);
    EXPECT_EQ(c->eos_ids, (std::vector<int32_t>{2}));
    EXPECT_FALSE(c->tied_embeddings);
  }
  EXPECT_EQ(hf->rope_style(), RopeStyle::HalfSplit);
  EXPECT_EQ(gguf->rope_style(), RopeStyle::AdjacentPairs);
}

TEST_F(LlamaWriterRoundTrip, GgufF32HoldsTheHfWeightsWithQkPermuted) {
  const auto hf = open_model(files_->hf_dir);
  const auto gguf = open_model(files_->gguf.at(DType::F32));
  int compared = 0;
  for (const std::string name : {"model.embed_tokens.weight", "model.norm.weight", "lm_head.weight",
                                 "model.layers.1.input_layernorm.weight", "model.layers.1.self_attn.q_proj.weight",
                                 "model.layers.1.self_attn.k_proj.weight", "model.layers.1.self_attn.v_proj.weight",
                                 "model.layers.1.self_attn.o_proj.weight", "model.layers.0.mlp.down_proj.weight",
                                 "model.layers.0.mlp.gate_proj.weight", "model.layers.0.mlp.up_proj.weight",
                                 "model.layers.0.post_attention_layernorm.weight"}) {
    const TensorView& a = hf->get(name);
    const TensorView& b = gguf->get(name);
    ASSERT_EQ(a.shape, b.shape) << name;
    ASSERT_EQ(b.dtype, DType::F32) << name;
    std::vector<float> got = as_f32(b);
    const bool is_q = name.find("q_proj") != std::string::npos, is_k = name.find("k_proj") != std::string::npos;
    if (is_q || is_k) {
      EXPECT_NE(got, as_f32(a)) << name << " should be stored permuted";
      got = unpermute(got, is_q ? 4 : 2, 16, 64);
    }
    EXPECT_EQ(got, as_f32(a)) << name;
    ++compared;
  }
  EXPECT_EQ(compared, 12);
}

TEST_F(LlamaWriterRoundTrip, GgufF16IsTheF32WeightsRounded) {
  const auto hf = open_model(files_->hf_dir);
  const auto gguf = open_model(files_->gguf.at(DType::F16));
  const TensorView& w = gguf->get("model.layers.0.mlp.up_proj.weight");
  EXPECT_EQ(w.dtype, DType::F16);
  EXPECT_EQ(gguf->get("model.norm.weight").dtype, DType::F32);  // 1-D stays F32
  const auto ref = as_f32(hf->get("model.layers.0.mlp.up_proj.weight"));
  const auto got = as_f32(w);
  for (size_t i = 0; i < ref.size(); ++i) ASSERT_EQ(got[i], f16_to_f32(f32_to_f16(ref[i]))) << i;
}

TEST_F(LlamaWriterRoundTrip, QuantizedGgufHoldsGgmlReferenceBlocks) {
  const auto hf = open_model(files_->hf_dir);
  for (DType t : {DType::Q8_0, DType::Q4_0}) {
    const auto gguf = open_model(files_->gguf.at(t));
    for (const char* name : {"model.layers.1.mlp.down_proj.weight", "model.embed_tokens.weight"}) {
      const TensorView& q = gguf->get(name);
      ASSERT_EQ(q.dtype, t) << name;
      std::vector<std::byte> expected;
      const auto ref = as_f32(hf->get(name));
      test::encode_row(t, ref, expected);
      ASSERT_EQ(q.nbytes, expected.size());
      EXPECT_EQ(std::memcmp(q.data, expected.data(), expected.size()), 0) << name;
    }
    EXPECT_EQ(gguf->get("model.layers.0.input_layernorm.weight").dtype, DType::F32);
  }
}

TEST_F(LlamaWriterRoundTrip, TokenizerTravelsWithBothFormats) {
  const auto hf = open_model(files_->hf_dir);
  const auto json = std::get<TokenizerJsonFile>(hf->tokenizer());
  EXPECT_TRUE(fs::exists(json.tokenizer_json));
  EXPECT_TRUE(fs::exists(json.tokenizer_config));
  const auto gguf = open_model(files_->gguf.at(DType::Q4_0));
  const auto vocab = std::get<GgufVocab>(gguf->tokenizer());
  EXPECT_EQ(vocab.model, "llama");
  ASSERT_EQ(vocab.tokens.size(), 32000u);
  EXPECT_EQ(vocab.scores.size(), 32000u);
  EXPECT_EQ(vocab.tokens[1], "<s>");
  EXPECT_EQ(vocab.token_types[0], 2);   // <unk>
  EXPECT_EQ(vocab.token_types[1], 3);   // <s> control
  EXPECT_EQ(vocab.tokens[3 + 0x41], "<0x41>");
  EXPECT_EQ(vocab.token_types[3 + 0x41], 6);  // byte
  EXPECT_EQ(vocab.token_types[1000], 1);
  EXPECT_GT(vocab.scores[1000], vocab.scores[2000]);  // earlier pieces merge first
  EXPECT_EQ(vocab.bos_id, 1);
  EXPECT_EQ(vocab.eos_id, 2);
  EXPECT_EQ(vocab.unk_id, 0);
  EXPECT_TRUE(vocab.add_bos);
}

TEST_F(LlamaWriterRoundTrip, ShardedBf16FolderHoldsTheSameModel) {
  EXPECT_TRUE(fs::exists(sharded_->hf_dir / "model.safetensors.index.json"));
  EXPECT_TRUE(fs::exists(sharded_->hf_dir / "model-00003-of-00003.safetensors"));
  const auto single = open_model(files_->hf_dir);
  const auto sharded = open_model(sharded_->hf_dir);
  const TensorView& w = sharded->get("lm_head.weight");
  EXPECT_EQ(w.dtype, DType::BF16);
  const auto ref = as_f32(single->get("lm_head.weight"));
  const auto got = as_f32(w);
  for (size_t i = 0; i < ref.size(); ++i) ASSERT_EQ(got[i], bf16_to_f32(f32_to_bf16(ref[i]))) << i;
}

TEST(WriterRoundTrip, Qwen3TiedWithExplicitHeadDimIsNotPermuted) {
  test::TestModelSpec spec;
  spec.arch = "qwen3";
  spec.dim = 64;
  spec.n_layers = 1;
  spec.n_heads = 4;
  spec.n_kv_heads = 2;
  spec.head_dim = 32;
  spec.ffn_dim = 80;  // not a multiple of 32: down_proj falls back to F16 in Q8_0
  spec.tied_embeddings = true;
  spec.tokenizer_dir = testing::tokenizer_dir("qwen3");
  spec.gguf_types = {DType::F32, DType::Q8_0};
  const auto files = test::write_test_model(spec, testing::scratch_dir("qwen3_roundtrip"));
  const auto hf = open_model(files.hf_dir);
  const auto gguf = open_model(files.gguf.at(DType::F32));
  for (const ModelSource* m : {hf.get(), gguf.get()}) {
    EXPECT_EQ(m->config().arch, Arch::Qwen3);
    EXPECT_EQ(m->config().head_dim, 32);
    EXPECT_TRUE(m->config().qk_norm);
    EXPECT_TRUE(m->config().tied_embeddings);
    EXPECT_EQ(m->find("lm_head.weight"), nullptr);
    EXPECT_EQ(m->rope_style(), RopeStyle::HalfSplit);
    EXPECT_EQ(m->get("model.layers.0.self_attn.q_norm.weight").shape, (std::vector<int64_t>{32}));
  }
  EXPECT_EQ(gguf->config().vocab_size, hf->config().vocab_size);
  EXPECT_EQ(as_f32(gguf->get("model.layers.0.self_attn.q_proj.weight")),
            as_f32(hf->get("model.layers.0.self_attn.q_proj.weight")));
  const auto vocab = std::get<GgufVocab>(gguf->tokenizer());
  EXPECT_EQ(vocab.model, "gpt2");
  EXPECT_EQ(vocab.pre, "qwen2");
  EXPECT_FALSE(vocab.merges.empty());
  EXPECT_FALSE(vocab.add_bos);
  EXPECT_EQ(vocab.bos_id, -1);
  EXPECT_EQ(vocab.tokens[vocab.eos_id], "<|im_end|>");
  const auto q8 = open_model(files.gguf.at(DType::Q8_0));
  EXPECT_EQ(q8->get("model.layers.0.mlp.down_proj.weight").dtype, DType::F16);
  EXPECT_EQ(q8->get("model.layers.0.mlp.up_proj.weight").dtype, DType::Q8_0);
}

TEST(WriterRoundTrip, Qwen2CarriesBiases) {
  test::TestModelSpec spec;
  spec.arch = "qwen2";
  spec.dim = 32;
  spec.n_layers = 1;
  spec.n_heads = 2;
  spec.n_kv_heads = 1;
  spec.ffn_dim = 64;
  spec.tied_embeddings = true;
  spec.tokenizer_dir = testing::tokenizer_dir("qwen3");
  spec.gguf_types = {DType::F32};
  const auto files = test::write_test_model(spec, testing::scratch_dir("qwen2_roundtrip"));
  const auto hf = open_model(files.hf_dir);
  const auto gguf = open_model(files.gguf.at(DType::F32));
  EXPECT_TRUE(gguf->config().qkv_bias);
  EXPECT_EQ(as_f32(gguf->get("model.layers.0.self_attn.k_proj.bias")),
            as_f32(hf->get("model.layers.0.self_attn.k_proj.bias")));
  EXPECT_EQ(gguf->get("model.layers.0.self_attn.k_proj.bias").shape, (std::vector<int64_t>{16}));
}

TEST(WriterRoundTrip, Llama3RopeScalingBecomesRopeFreqsInGguf) {
  test::TestModelSpec spec;
  spec.dim = 64;
  spec.n_layers = 1;
  spec.n_heads = 2;
  spec.n_kv_heads = 2;
  spec.ffn_dim = 64;
  spec.rope_theta = 500000.0f;
  spec.rope_scaling.factor = 8.0f;
  spec.tokenizer_dir = testing::tokenizer_dir("llama3");
  spec.gguf_types = {DType::F32};
  const auto files = test::write_test_model(spec, testing::scratch_dir("llama3_roundtrip"));
  const auto hf = open_model(files.hf_dir);
  EXPECT_EQ(hf->config().rope_scaling.factor, 8.0f);
  const auto gguf = open_model(files.gguf.at(DType::F32));
  const TensorView& freqs = gguf->get("rope_freqs.weight");
  ASSERT_EQ(freqs.shape, (std::vector<int64_t>{16}));
  const auto f = as_f32(freqs);
  EXPECT_EQ(f.front(), 1.0f);  // highest frequency: unscaled
  EXPECT_EQ(f.back(), 8.0f);   // lowest frequency: divided by the factor
  const auto vocab = std::get<GgufVocab>(gguf->tokenizer());
  EXPECT_EQ(vocab.pre, "llama-bpe");
  EXPECT_EQ(vocab.tokens.size(), 128256u);
  EXPECT_EQ(vocab.bos_id, 128000);
}

}  // namespace
}  // namespace reach::run
