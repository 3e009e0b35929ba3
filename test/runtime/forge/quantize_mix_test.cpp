// The type each tensor gets per mix (forge/quantize_mix.h): llama.cpp's
// llama_tensor_get_type rules for dense models, spelled out here by hand.
// (bench/runtime/quantize_vs_llama_quantize.sh compares whole files with
// llama-quantize's.)
#include "forge/quantize_mix.h"

#include <gtest/gtest.h>

#include <set>
#include <stdexcept>
#include <string>

namespace reach::run {
namespace {

DType type_of(const char* mix, const std::string& name, std::vector<int64_t> shape, int layers = 16, int gqa = 1,
              bool tied = false) {
  return mix_type(parse_mix(mix), {name, std::move(shape), layers, gqa, tied});
}

std::string layer(int i, const char* role) { return "blk." + std::to_string(i) + "." + role + ".weight"; }

TEST(QuantizeMix, OneDimensionalTensorsAndNormsStayF32) {
  EXPECT_EQ(type_of("q4_k_m", "output_norm.weight", {256}), DType::F32);
  EXPECT_EQ(type_of("q4_k_m", layer(0, "attn_norm"), {256}), DType::F32);
  EXPECT_EQ(type_of("q4_k_m", "rope_freqs.weight", {32}), DType::F32);
  EXPECT_EQ(type_of("f16", layer(0, "attn_q") , {256, 256}), DType::F16);
  EXPECT_EQ(type_of("bf16", "output.weight", {1000, 256}), DType::BF16);
}

// Q4_K_M and Q5_K_M give attn_v and ffn_down Q6_K in the first and last
// eighth of the layers and every third layer between (use_more_bits).
TEST(QuantizeMix, KMixesUseMoreBitsOnSomeLayers) {
  const std::set<int> more = {0, 1, 4, 7, 10, 13, 14, 15};  // of 16 layers
  for (const char* mix : {"q4_k_m", "q5_k_m"})
    for (int i = 0; i < 16; ++i) {
      const DType base = std::string(mix) == "q4_k_m" ? DType::Q4_K : DType::Q5_K;
      const DType v = more.count(i) ? DType::Q6_K : base;
      EXPECT_EQ(type_of(mix, layer(i, "attn_v"), {512, 256}), v) << mix << " " << i;
      EXPECT_EQ(type_of(mix, layer(i, "ffn_down"), {256, 512}), v) << mix << " " << i;
      EXPECT_EQ(type_of(mix, layer(i, "attn_q"), {256, 256}), base) << mix << " " << i;
      EXPECT_EQ(type_of(mix, layer(i, "ffn_up"), {512, 256}), base) << mix << " " << i;
    }
}

TEST(QuantizeMix, Q3KMAndQ2KRaiseAttentionAndFfnDown) {
  EXPECT_EQ(type_of("q3_k_m", layer(1, "attn_v"), {256, 256}), DType::Q5_K);
  EXPECT_EQ(type_of("q3_k_m", layer(2, "attn_v"), {256, 256}), DType::Q4_K);
  EXPECT_EQ(type_of("q3_k_m", layer(1, "ffn_down"), {256, 512}, 32), DType::Q5_K);  // first 32/16 layers
  EXPECT_EQ(type_of("q3_k_m", layer(2, "ffn_down"), {256, 512}, 32), DType::Q4_K);
  EXPECT_EQ(type_of("q3_k_m", layer(5, "attn_output"), {256, 256}), DType::Q4_K);
  EXPECT_EQ(type_of("q3_k_m", layer(5, "attn_k"), {256, 256}), DType::Q3_K);
  EXPECT_EQ(type_of("q2_k", layer(5, "attn_v"), {256, 256}, 16, 4), DType::Q4_K);  // 4 query heads per KV head
  EXPECT_EQ(type_of("q2_k", layer(5, "attn_v"), {256, 256}, 16, 2), DType::Q3_K);
  EXPECT_EQ(type_of("q2_k", layer(5, "ffn_down"), {256, 512}), DType::Q3_K);
  EXPECT_EQ(type_of("q2_k", layer(5, "attn_output"), {256, 256}), DType::Q3_K);
  EXPECT_EQ(type_of("q2_k", layer(5, "ffn_gate"), {512, 256}), DType::Q2_K);
}

// The output head is Q6_K for every quantized mix but Q8_0; a tied
// embedding is the output head; an untied one keeps the base type.
TEST(QuantizeMix, OutputHeadAndEmbedding) {
  for (const char* mix : {"q6_k", "q5_k_m", "q4_k_m", "q4_0", "q3_k_m", "q2_k"}) {
    EXPECT_EQ(type_of(mix, "output.weight", {1000, 256}), DType::Q6_K) << mix;
    EXPECT_EQ(type_of(mix, "token_embd.weight", {1000, 256}, 16, 1, true), DType::Q6_K) << mix;
  }
  EXPECT_EQ(type_of("q8_0", "output.weight", {1000, 256}), DType::Q8_0);
  EXPECT_EQ(type_of("q4_k_m", "token_embd.weight", {1000, 256}), DType::Q4_K);
  EXPECT_EQ(type_of("q4_0", "token_embd.weight", {1000, 256}), DType::Q4_0);
  // Rows that are not whole blocks of the base: Q8_0.
  EXPECT_EQ(type_of("q4_k_m", "output.weight", {1000, 384}), DType::Q8_0);
}

// Rows that are not whole super-blocks fall back as llama.cpp's
// tensor_type_fallback does, to F16 when 32 does not divide them either.
TEST(QuantizeMix, RowsThatAreNotWholeSuperBlocksFallBack) {
  EXPECT_EQ(type_of("q4_k_m", layer(3, "attn_q"), {384, 384}), DType::Q5_0);
  EXPECT_EQ(type_of("q5_k_m", layer(3, "attn_q"), {384, 384}), DType::Q5_1);
  EXPECT_EQ(type_of("q6_k", layer(3, "attn_q"), {384, 384}), DType::Q8_0);
  EXPECT_EQ(type_of("q2_k", layer(3, "attn_q"), {384, 384}), DType::Q4_0);
  EXPECT_EQ(type_of("q3_k_m", layer(3, "attn_q"), {384, 384}), DType::Q4_0);
  EXPECT_EQ(type_of("q4_k_m", layer(3, "attn_q"), {48, 48}), DType::F16);
  EXPECT_EQ(type_of("q8_0", layer(3, "attn_q"), {48, 48}), DType::F16);
}

TEST(QuantizeMix, UnknownMixNamesTheKnownOnes) {
  try {
    parse_mix("q4_k_x");
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("unknown 'q4_k_x' (q8_0, q6_k, q5_k_m, q4_k_m, q4_0, q3_k_m, q2_k, f16, bf16)"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(parse_mix("q4_k_m").file_type, 15u);
}

}  // namespace
}  // namespace reach::run
