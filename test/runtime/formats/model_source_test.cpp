// open_model's refusals: what is missing or inconsistent, and where.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "format_error_matchers.h"
#include "formats/model_source.h"
#include "formats/safetensors.h"
#include "formats/mapped_file.h"
#include "gguf_writer.h"
#include "safetensors_writer.h"
#include "test_model_writer.h"

namespace reach::run {
namespace {

namespace fs = std::filesystem;
using testing::expect_format_error;

// The metadata of a one-layer Llama (dim 32, 2 heads) and nothing else: no
// tokenizer, no tensors. Tests add what their case needs.
test::GgufWriter llama_hyperparameters_only() {
  test::GgufWriter w;
  w.add_string("general.architecture", "llama");
  for (const char* k : {"llama.embedding_length", "llama.feed_forward_length"}) w.add_u32(k, 32);
  w.add_u32("llama.attention.head_count", 2);
  w.add_u32("llama.block_count", 1);
  w.add_u32("llama.context_length", 64);
  return w;
}

test::TestModelFiles small_model(const std::string& name) {
  test::TestModelSpec spec;
  spec.dim = 32;
  spec.n_layers = 1;
  spec.n_heads = 2;
  spec.n_kv_heads = 1;
  spec.ffn_dim = 64;
  spec.tokenizer_dir = testing::tokenizer_dir("llama2");
  spec.gguf_types = {DType::F32};
  return test::write_test_model(spec, testing::scratch_dir(name));
}

void edit_config(const fs::path& dir, const std::function<void(nlohmann::json&)>& edit) {
  nlohmann::json c = nlohmann::json::parse(std::ifstream(dir / "config.json"));
  edit(c);
  std::ofstream(dir / "config.json") << c.dump();
}

// Dropping a mapping's pages only shrinks the process: the bytes read back
// the same, partial pages at either end included, and ranges that are not
// the mapping's are refused untouched.
TEST(MappedFile, DroppedPagesReadBackUnchanged) {
  const auto path = testing::scratch_dir("drop_pages") / "pattern.bin";
  std::vector<char> pattern(3 * 4096 + 100);
  for (size_t i = 0; i < pattern.size(); ++i) pattern[i] = static_cast<char>(i * 7 + 3);
  std::ofstream(path, std::ios::binary).write(pattern.data(), static_cast<std::streamsize>(pattern.size()));
  const MappedFile f(path);
  const auto bytes = f.bytes();
  EXPECT_TRUE(f.drop_pages(bytes.subspan(10, 2 * 4096 + 50)));
  EXPECT_TRUE(f.drop_pages(bytes));
  EXPECT_EQ(std::memcmp(bytes.data(), pattern.data(), pattern.size()), 0);
  const std::vector<std::byte> elsewhere(64);
  EXPECT_FALSE(f.drop_pages(elsewhere));
  EXPECT_FALSE(f.drop_pages({bytes.data() + 4096, bytes.size()}));  // runs past the end
}

// What the loader does after repacking a matrix: its bytes stay readable.
TEST(OpenModel, TensorsReadTheSameAfterTheirPagesAreDropped) {
  const auto files = small_model("drop_tensor_pages");
  for (const fs::path& path : {files.hf_dir, files.gguf.at(DType::F32)}) {
    const auto source = open_model(path);
    const TensorView& t = source->get("model.layers.0.mlp.up_proj.weight");
    const std::vector<std::byte> before(t.data, t.data + t.nbytes);
    source->drop_pages(t);
    EXPECT_EQ(std::memcmp(t.data, before.data(), before.size()), 0) << path;
  }
}

TEST(OpenModel, NoSuchPath) {
  expect_format_error([] { open_model("/nonexistent/model"); }, "/nonexistent/model", -1, "no such file or folder");
}

TEST(OpenModel, NeitherFolderNorGguf) {
  const auto dir = testing::scratch_dir("not_a_model");
  std::ofstream(dir / "weights.bin") << "hello";
  expect_format_error([&] { open_model(dir / "weights.bin"); }, (dir / "weights.bin").string(), -1,
                      "takes a folder (config.json + *.safetensors + tokenizer.json) or a .gguf file");
}

TEST(OpenModel, MissingTokenizerSaysWhereItLooked) {
  const auto files = small_model("no_tokenizer");
  fs::remove(files.hf_dir / "tokenizer.json");
  expect_format_error([&] { open_model(files.hf_dir); }, files.hf_dir.string(), -1,
                      "missing tokenizer: no tokenizer.json in " + files.hf_dir.string());
}

TEST(OpenModel, MissingConfig) {
  const auto files = small_model("no_config");
  fs::remove(files.hf_dir / "config.json");
  expect_format_error([&] { open_model(files.hf_dir); }, files.hf_dir.string(), -1, "missing config.json");
}

TEST(OpenModel, UnknownArchitectureInConfig) {
  const auto files = small_model("unknown_arch");
  edit_config(files.hf_dir, [](nlohmann::json& c) { c["architectures"] = {"FalconForCausalLM"}; });
  expect_format_error([&] { open_model(files.hf_dir); }, (files.hf_dir / "config.json").string(), -1,
                      "unknown architecture 'FalconForCausalLM'");
}

TEST(OpenModel, ShapeThatDisagreesWithConfig) {
  const auto files = small_model("wrong_shape");
  edit_config(files.hf_dir, [](nlohmann::json& c) { c["intermediate_size"] = 96; });
  expect_format_error([&] { open_model(files.hf_dir); }, files.hf_dir.string(), -1,
                      "tensor 'model.layers.0.mlp.gate_proj.weight' has shape [64, 32], but the config implies [96, 32]");
}

TEST(OpenModel, MissingTensor) {
  const auto files = small_model("missing_tensor");
  std::vector<test::SafetensorsEntry> kept;
  {
    MappedFile f(files.hf_dir / "model.safetensors");
    for (const auto& t : parse_safetensors(f.bytes(), "x").tensors) {
      if (t.name == "model.layers.0.self_attn.v_proj.weight") continue;
      kept.push_back({t.name, "F32", t.shape, std::vector<std::byte>(t.data, t.data + t.nbytes)});
    }
  }
  test::write_safetensors(files.hf_dir / "model.safetensors", kept);
  expect_format_error([&] { open_model(files.hf_dir); }, files.hf_dir.string(), -1,
                      "missing tensor 'model.layers.0.self_attn.v_proj.weight'");
}

TEST(OpenModel, GgufMissingTensorUsesLlamaCppName) {
  test::GgufWriter w = llama_hyperparameters_only();
  w.add_string("tokenizer.ggml.model", "llama");
  w.add_string_array("tokenizer.ggml.tokens", {"a", "b"});
  w.add_tensor("token_embd.weight", DType::F32, {2, 32}, std::vector<std::byte>(2 * 32 * 4));
  const auto dir = testing::scratch_dir("gguf_missing");
  w.write(dir / "m.gguf");
  expect_format_error([&] { open_model(dir / "m.gguf"); }, (dir / "m.gguf").string(), -1,
                      "missing tensor 'output_norm.weight'");
  // A layer's tensor, named as llama.cpp names it too.
  w.add_tensor("output_norm.weight", DType::F32, {32}, std::vector<std::byte>(32 * 4));
  w.write(dir / "m.gguf");
  expect_format_error([&] { open_model(dir / "m.gguf"); }, (dir / "m.gguf").string(), -1,
                      "missing tensor 'blk.0.");
}

// Phi-3's fused tensors are checked against the config before they are
// split, and named as the file names them.
test::TestModelFiles small_phi3(const std::string& name) {
  test::TestModelSpec spec;
  spec.arch = "phi3";
  spec.dim = 32, spec.n_layers = 1, spec.n_heads = 2, spec.n_kv_heads = 1, spec.ffn_dim = 64;
  spec.tokenizer_dir = testing::tokenizer_dir("llama2");
  spec.gguf_types = {DType::F32};
  return test::write_test_model(spec, testing::scratch_dir(name));
}

TEST(OpenModel, Phi3FusedTensorsAreSplitIntoTheLlamaNames) {
  const auto files = small_phi3("phi3_split");
  for (const fs::path& model : {files.hf_dir, files.gguf.at(DType::F32)}) {
    const auto source = open_model(model);
    const TensorView& qkv = source->get("model.layers.0.self_attn.qkv_proj.weight");
    const TensorView& k = source->get("model.layers.0.self_attn.k_proj.weight");
    EXPECT_EQ(k.shape, (std::vector<int64_t>{16, 32}));
    EXPECT_EQ(k.data, qkv.data + 32 * qkv.row_bytes()) << "k's rows follow q's 32";
    const TensorView& up = source->get("model.layers.0.mlp.up_proj.weight");
    EXPECT_EQ(up.data, source->get("model.layers.0.mlp.gate_up_proj.weight").data + 64 * up.row_bytes());
  }
}

TEST(OpenModel, Phi3FusedTensorOfTheWrongShape) {
  const auto files = small_phi3("phi3_shape");
  edit_config(files.hf_dir, [](nlohmann::json& c) { c["num_key_value_heads"] = 2; });
  expect_format_error([&] { open_model(files.hf_dir); }, files.hf_dir.string(), -1,
                      "tensor 'model.layers.0.self_attn.qkv_proj.weight' has shape [64, 32], but the config implies "
                      "[96, 32]");
}

TEST(OpenModel, Phi3LongRopeIsRefused) {
  const auto files = small_phi3("phi3_longrope");
  edit_config(files.hf_dir, [](nlohmann::json& c) {
    c["rope_scaling"] = {{"type", "longrope"}, {"long_factor", {1.0}}, {"short_factor", {1.0}}};
  });
  expect_format_error([&] { open_model(files.hf_dir); }, (files.hf_dir / "config.json").string(), -1,
                      "unsupported rope_scaling type 'longrope'");
  test::GgufWriter w = llama_hyperparameters_only();
  w.add_string("tokenizer.ggml.model", "llama");
  w.add_string_array("tokenizer.ggml.tokens", {"a", "b"});
  w.add_tensor("rope_factors_long.weight", DType::F32, {8}, std::vector<std::byte>(8 * 4));
  const auto dir = testing::scratch_dir("gguf_longrope");
  w.write(dir / "m.gguf");
  expect_format_error([&] { open_model(dir / "m.gguf"); }, (dir / "m.gguf").string(), -1,
                      "tensor 'rope_factors_long.weight': LongRoPE scaling is not supported");
}

TEST(OpenModel, GgufUnknownArchitecture) {
  test::GgufWriter w;
  w.add_string("general.architecture", "gpt2");
  const auto dir = testing::scratch_dir("gguf_arch");
  w.write(dir / "m.gguf");
  expect_format_error([&] { open_model(dir / "m.gguf"); }, (dir / "m.gguf").string(), 24 + 8 + 20 + 4,
                      "unknown architecture 'gpt2'");
}

TEST(OpenModel, GgufWithoutTokenizer) {
  test::GgufWriter w = llama_hyperparameters_only();
  const auto dir = testing::scratch_dir("gguf_no_tok");
  w.write(dir / "m.gguf");
  expect_format_error([&] { open_model(dir / "m.gguf"); }, (dir / "m.gguf").string(), -1,
                      "missing metadata key 'tokenizer.ggml.tokens'");
}

TEST(OpenModel, TruncatedGgufNamesFileAndOffset) {
  const auto files = small_model("gguf_truncated");
  const fs::path p = files.gguf.at(DType::F32);
  fs::resize_file(p, fs::file_size(p) - 100);
  expect_format_error([&] { open_model(p); }, p.string(), -1, "runs past end of file");
}

}  // namespace
}  // namespace reach::run
