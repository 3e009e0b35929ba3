// config.json -> ModelConfig: each architecture, defaults, and each refusal.
#include <gtest/gtest.h>

#include "format_error_matchers.h"
#include "formats/config_json.h"

namespace reach::run {
namespace {

using testing::expect_format_error;

const char* kLlama = R"({
  "architectures": ["LlamaForCausalLM"], "hidden_size": 2048, "intermediate_size": 5632,
  "num_hidden_layers": 22, "num_attention_heads": 32, "num_key_value_heads": 4, "vocab_size": 32000,
  "max_position_embeddings": 2048, "rms_norm_eps": 1e-05, "rope_theta": 10000.0,
  "bos_token_id": 1, "eos_token_id": 2, "tie_word_embeddings": false, "rope_scaling": null})";

TEST(ConfigJson, TinyLlama) {
  const ModelConfig c = parse_config_json(kLlama, "config.json");
  EXPECT_EQ(c.arch, Arch::Llama);
  EXPECT_EQ(c.dim, 2048);
  EXPECT_EQ(c.n_layers, 22);
  EXPECT_EQ(c.n_heads, 32);
  EXPECT_EQ(c.n_kv_heads, 4);
  EXPECT_EQ(c.head_dim, 64);  // dim / heads when absent
  EXPECT_EQ(c.ffn_dim, 5632);
  EXPECT_EQ(c.vocab_size, 32000);
  EXPECT_EQ(c.max_seq_len, 2048);
  EXPECT_FLOAT_EQ(c.rms_eps, 1e-5f);
  EXPECT_EQ(c.bos_id, 1);
  EXPECT_EQ(c.eos_ids, (std::vector<int32_t>{2}));
  EXPECT_FALSE(c.qkv_bias);
  EXPECT_FALSE(c.qk_norm);
  EXPECT_EQ(c.rope_scaling.factor, 0.0f);
}

TEST(ConfigJson, Llama3ScalingAndEosList) {
  const ModelConfig c = parse_config_json(R"({
    "architectures": ["LlamaForCausalLM"], "hidden_size": 64, "intermediate_size": 128,
    "num_hidden_layers": 1, "num_attention_heads": 4, "vocab_size": 128256, "rope_theta": 500000.0,
    "bos_token_id": 128000, "eos_token_id": [128001, 128008, 128009], "tie_word_embeddings": true,
    "rope_scaling": {"rope_type": "llama3", "factor": 32.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                     "original_max_position_embeddings": 8192}})",
                                          "config.json");
  EXPECT_EQ(c.n_kv_heads, 4);  // defaults to heads
  EXPECT_TRUE(c.tied_embeddings);
  EXPECT_EQ(c.eos_ids, (std::vector<int32_t>{128001, 128008, 128009}));
  EXPECT_EQ(c.rope_scaling.factor, 32.0f);
  EXPECT_EQ(c.rope_scaling.original_max_position, 8192);
  EXPECT_EQ(c.rope_theta, 500000.0f);
}

TEST(ConfigJson, Qwen2HasBiasesQwen3HasQkNormAndExplicitHeadDim) {
  const ModelConfig q2 = parse_config_json(R"({"architectures": ["Qwen2ForCausalLM"], "hidden_size": 64,
    "intermediate_size": 96, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
    "vocab_size": 1000})", "q2/config.json");
  EXPECT_EQ(q2.arch, Arch::Qwen2);
  EXPECT_TRUE(q2.qkv_bias);
  EXPECT_FALSE(q2.qk_norm);
  const ModelConfig q3 = parse_config_json(R"({"architectures": ["Qwen3ForCausalLM"], "hidden_size": 64,
    "intermediate_size": 96, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
    "head_dim": 32, "vocab_size": 1000})", "q3/config.json");
  EXPECT_EQ(q3.arch, Arch::Qwen3);
  EXPECT_TRUE(q3.qk_norm);
  EXPECT_FALSE(q3.qkv_bias);
  EXPECT_EQ(q3.head_dim, 32);
}

TEST(ConfigJson, MistralByModelTypeAndNullHeadDim) {
  const ModelConfig c = parse_config_json(R"({"model_type": "mistral", "hidden_size": 64, "head_dim": null,
    "intermediate_size": 96, "num_hidden_layers": 2, "num_attention_heads": 4, "vocab_size": 1000})",
                                          "config.json");
  EXPECT_EQ(c.arch, Arch::Mistral);
  EXPECT_EQ(c.head_dim, 16);
}

TEST(ConfigJson, UnknownArchitectureIsNamed) {
  expect_format_error([] { parse_config_json(R"({"architectures": ["GPT2LMHeadModel"]})", "m/config.json"); },
                      "m/config.json", -1, "unknown architecture 'GPT2LMHeadModel'");
  expect_format_error([] { parse_config_json(R"({"model_type": "gemma"})", "m/config.json"); }, "m/config.json", -1,
                      "unknown architecture: model_type 'gemma'");
  expect_format_error([] { parse_config_json(R"({"hidden_size": 8})", "m/config.json"); }, "m/config.json", -1,
                      "missing key 'architectures'");
}

TEST(ConfigJson, MissingKeyIsNamed) {
  expect_format_error([] { parse_config_json(R"({"architectures": ["LlamaForCausalLM"], "hidden_size": 64})", "c.json"); },
                      "c.json", -1, "missing key 'num_hidden_layers'");
}

TEST(ConfigJson, WrongTypesAndBounds) {
  const std::string base = R"({"architectures": ["LlamaForCausalLM"], "intermediate_size": 96,
    "num_hidden_layers": 2, "num_attention_heads": 4, "vocab_size": 1000, )";
  expect_format_error([&] { parse_config_json(base + R"("hidden_size": "64"})", "c.json"); }, "c.json", -1,
                      "key 'hidden_size' must be an integer");
  expect_format_error([&] { parse_config_json(base + R"("hidden_size": -64})", "c.json"); }, "c.json", -1,
                      "key 'hidden_size' = -64 is outside 1..");
  expect_format_error([&] { parse_config_json(base + R"("hidden_size": 99999999999})", "c.json"); }, "c.json", -1,
                      "key 'hidden_size' = 99999999999 is outside 1..");
  expect_format_error([&] { parse_config_json(base + R"("hidden_size": 66})", "c.json"); }, "c.json", -1,
                      "hidden_size 66 is not a multiple of num_attention_heads 4");
  expect_format_error([&] { parse_config_json(base + R"("hidden_size": 64, "num_key_value_heads": 3})", "c.json"); },
                      "c.json", -1, "attention heads 4 are not a multiple of kv heads 3");
  expect_format_error([&] { parse_config_json(base + R"("hidden_size": 64, "eos_token_id": "x"})", "c.json"); },
                      "c.json", -1, "eos_token_id must be a token id");
  expect_format_error([&] { parse_config_json(base + R"("hidden_size": 64, "eos_token_id": 5000})", "c.json"); },
                      "c.json", -1, "eos_token_id 5000 is outside the vocabulary");
  expect_format_error(
      [&] { parse_config_json(base + R"("hidden_size": 64, "rope_scaling": {"type": "yarn", "factor": 4}})", "c.json"); },
      "c.json", -1, "unsupported rope_scaling type 'yarn'");
}

TEST(ConfigJson, NumberTooLargeForADoubleIsAFormatError) {
  expect_format_error([] { parse_config_json(R"({"rope_theta": 1e400})", "c.json"); }, "c.json", 0, "not valid JSON");
}

TEST(ConfigJson, NotJsonNamesTheOffset) {
  expect_format_error([] { parse_config_json(R"({"hidden_size": 64,,})", "c.json"); }, "c.json", 19, "not valid JSON");
}

}  // namespace
}  // namespace reach::run
