// Head pruning (forge/prune.h): the pruned files load, their pruned slices
// are zero and the rest unchanged, and their logits equal the original
// model's with those heads masked. An HF folder pruned to a .gguf file
// (forge/hf_to_gguf.h) holds the tensors and tokenizer the test-model
// writer's GGUF of the same weights holds.
#include "forge/prune.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "formats/format_error.h"
#include "formats/gguf.h"
#include "formats/mapped_file.h"
#include "formats/model_source.h"
#include "forge_models.h"
#include "tokenizer/tokenizer.h"

namespace reach::run {
namespace {

namespace fs = std::filesystem;

const test::TestModelFiles& model_files() {
  static const test::TestModelFiles files = test::write_forge_model("prune", 128, 2, 21);  // head_dim 32: one Q8_0 block
  return files;
}

// Phi-3: q/k/v in one qkv_proj, so a head's rows are cut inside it.
const test::TestModelFiles& phi3_files() {
  static const test::TestModelFiles files = test::write_forge_model("prune-phi3", 128, 2, 23, "phi3");
  return files;
}

fs::path fresh(const std::string& name) {
  const fs::path p = test::process_dir(REACH_TEST_DATA_DIR) / "pruned" / name;
  fs::remove_all(p);
  fs::create_directories(p.parent_path());
  return p;
}

std::vector<float> logits(const fs::path& path, const HeadList& mask) {
  const auto source = open_model(path);
  ThreadPool pool(2);
  Model model(*source, pool);
  model.mask_heads(mask);
  KVCache cache = model.make_cache(8);
  const std::vector<int32_t> tokens = {1, 450, 4996, 17354, 1701};
  const auto out = model.forward(tokens, cache);
  return {out.begin(), out.end()};
}

double max_relative_difference(const std::vector<float>& a, const std::vector<float>& b) {
  double diff = 0, scale = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff = std::max(diff, std::fabs(static_cast<double>(a[i]) - b[i]));
    scale = std::max(scale, std::fabs(static_cast<double>(b[i])));
  }
  return diff / scale;
}

// Heads 0:2 and 0:3 make up KV head 1 of layer 0: its k and v rows go too.
const HeadList kHeads = {{0, 2}, {0, 3}, {1, 0}};

// `norm_tolerance`: relative, for the unpruned heads' norms (0: equal).
void expect_pruned(const fs::path& original, const fs::path& pruned, double tolerance, double norm_tolerance = 0) {
  const auto before = head_weight_scores(*open_model(original));
  const auto after = head_weight_scores(*open_model(pruned));
  for (size_t l = 0; l < before.size(); ++l)
    for (size_t h = 0; h < before[l].size(); ++h) {
      const bool gone = std::find(kHeads.begin(), kHeads.end(), std::make_pair(int32_t(l), int32_t(h))) != kHeads.end();
      EXPECT_EQ(after[l][h].q_l2 == 0 && after[l][h].o_l2 == 0, gone) << l << ":" << h;
      if (!gone) EXPECT_NEAR(after[l][h].weight_l2, before[l][h].weight_l2, norm_tolerance * before[l][h].weight_l2) << l << ":" << h;
    }
  EXPECT_EQ(after[0][2].k_l2, 0.0);
  EXPECT_EQ(after[0][2].v_l2, 0.0);
  EXPECT_GT(after[1][0].k_l2, 0.0) << "KV head 0 of layer 1 still serves head 1:1";
  const auto masked = logits(original, kHeads), unmasked = logits(original, {});
  EXPECT_LT(max_relative_difference(logits(pruned, {}), masked), tolerance);
  EXPECT_GT(max_relative_difference(unmasked, masked), 1e-3) << "pruning these heads should change the logits";
}

TEST(Prune, HfFolderGivesTheMaskedLogits) {
  const fs::path out = fresh("hf");
  write_pruned(*open_model(model_files().hf_dir), kHeads, out);
  EXPECT_TRUE(fs::exists(out / "tokenizer.json"));
  EXPECT_TRUE(fs::exists(out / "config.json"));
  expect_pruned(model_files().hf_dir, out, 1e-6);
}

// Phi-3's heads are rows inside the fused qkv_proj, in the folder and in GGUF.
TEST(Prune, FusedQkvHeadsArePrunedInPlace) {
  for (const fs::path& model : {phi3_files().hf_dir, phi3_files().gguf.at(DType::F32)}) {
    const fs::path out = fresh("phi3-" + model.filename().string());
    write_pruned(*open_model(model), kHeads, out);
    expect_pruned(model, out, 1e-6);
  }
}

TEST(Prune, GgufFilesGiveTheMaskedLogits) {
  // F32 exactly; Q8_0 within its activation rounding (the masked run
  // quantizes zeros where the pruned run quantizes a zeroed head's values).
  for (const auto& [type, tol] : {std::pair{DType::F32, 1e-6}, std::pair{DType::Q8_0, 2e-2}}) {
    const fs::path out = fresh(std::string(type_traits(type).name) + ".gguf");
    write_pruned(*open_model(model_files().gguf.at(type)), kHeads, out);
    expect_pruned(model_files().gguf.at(type), out, tol);
  }
}

TEST(Prune, RefusesWhatItCannotDoExactly) {
  const auto source = open_model(model_files().gguf.at(DType::F32));
  EXPECT_THROW(write_pruned(*source, {{2, 0}}, fresh("outside.gguf")), std::invalid_argument);
  try {
    write_pruned(*source, kHeads, fresh("wrong-format"));
    ADD_FAILURE() << "wrote a folder from a GGUF file";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("it has no config.json or tokenizer.json"), std::string::npos) << e.what();
  }
  const fs::path existing = fresh("existing.gguf");
  { std::ofstream(existing) << "x"; }
  EXPECT_THROW(write_pruned(*source, kHeads, existing), std::invalid_argument);

  // head_dim 16 under Q8_0's blocks of 32: a head's o columns are half a block.
  const auto small = test::write_forge_model("prune-hd16", 64, 1, 1);
  try {
    write_pruned(*open_model(small.gguf.at(DType::Q8_0)), {{0, 1}}, fresh("hd16.gguf"));
    ADD_FAILURE() << "pruned half blocks";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("are not whole blocks, so they cannot be zeroed exactly"), std::string::npos)
        << e.what();
  }
}

TEST(Prune, LowestHeadsTakesTheFractionByScore) {
  std::vector<std::vector<HeadScore>> scores(2, std::vector<HeadScore>(2));
  const double w[2][2] = {{3, 1}, {4, 2}};
  for (int l = 0; l < 2; ++l)
    for (int h = 0; h < 2; ++h) scores[l][h].layer = l, scores[l][h].head = h, scores[l][h].weight_l2 = w[l][h];
  EXPECT_EQ(lowest_heads(scores, 0.5, false), (HeadList{{0, 1}, {1, 1}}));
  EXPECT_EQ(lowest_heads(scores, 0.0, false), HeadList{});
  EXPECT_EQ(lowest_heads(scores, 1.0, false).size(), 4u);
}

// ---- An HF folder pruned to a .gguf file ----

// A fixed-size GGUF metadata value's element bytes (arrays compare raw).
size_t element_bytes(GgufType t) {
  switch (t) {
    case GgufType::U8: case GgufType::I8: case GgufType::BOOL: return 1;
    case GgufType::U16: case GgufType::I16: return 2;
    case GgufType::U64: case GgufType::I64: case GgufType::F64: return 8;
    default: return 4;
  }
}

void expect_same_value(const GgufValue& a, const GgufValue& b, const std::string& key) {
  ASSERT_EQ(a.type, b.type) << key;
  EXPECT_TRUE(a.i == b.i && a.u == b.u && a.f == b.f && a.str == b.str) << key;
  ASSERT_EQ(a.count, b.count) << key;
  EXPECT_EQ(a.strings, b.strings) << key;
  if (a.type == GgufType::ARRAY && a.elem_type != GgufType::STRING)
    EXPECT_EQ(std::memcmp(a.raw, b.raw, a.count * element_bytes(a.elem_type)), 0) << key;
}

// `converted` holds every tensor of `written` (the test-model writer's GGUF
// of the same weights) with its type, shape and bytes, and the same
// metadata but for the model's name and the chat template.
void expect_same_gguf(const fs::path& converted, const fs::path& written) {
  const MappedFile fa(converted), fb(written);
  const GgufFile a = parse_gguf(fa.bytes(), converted.string()), b = parse_gguf(fb.bytes(), written.string());
  ASSERT_EQ(a.tensors.size(), b.tensors.size());
  for (const TensorView& t : b.tensors) {
    const auto it = std::find_if(a.tensors.begin(), a.tensors.end(), [&](const TensorView& x) { return x.name == t.name; });
    ASSERT_NE(it, a.tensors.end()) << t.name;
    EXPECT_EQ(it->dtype, t.dtype) << t.name;
    EXPECT_EQ(it->shape, t.shape) << t.name;
    ASSERT_EQ(it->nbytes, t.nbytes) << t.name;
    EXPECT_EQ(std::memcmp(it->data, t.data, t.nbytes), 0) << t.name;
  }
  for (const auto& [key, value] : b.metadata) {
    if (key == "general.name") continue;
    ASSERT_TRUE(a.has(key)) << key;
    expect_same_value(*a.find(key), value, key);
  }
  for (const auto& [key, value] : a.metadata)
    EXPECT_TRUE(b.has(key) || key == "general.name" || key.starts_with("tokenizer.chat_template")) << key;
}

// Llama (q/k rows permuted), Qwen2 (biases, 1-D, kept F32; not permuted)
// and Phi-3 (fused qkv_proj).
const test::TestModelFiles& qwen2_files() {
  static const test::TestModelFiles files = test::write_forge_model("prune-qwen2", 128, 2, 22, "qwen2");
  return files;
}


TEST(PruneToGguf, UnprunedIsTheWritersGgufOfTheSameWeights) {
  for (const auto* files : {&model_files(), &qwen2_files(), &phi3_files()}) {
    const fs::path out = fresh(files->hf_dir.parent_path().filename().string() + "-unpruned.gguf");
    write_pruned(*open_model(files->hf_dir), {}, out);
    expect_same_gguf(out, files->gguf.at(DType::F32));
  }
}

// The pruned GGUF gives the HF folder's logits with the heads masked: for
// Llama the q/k rows are permuted and RoPE rotates adjacent pairs, which
// changes the rounding only (measured 3.9e-7 relative, as between the
// unpruned folder and its GGUF; Qwen2 0). The writer's F32 GGUF of the same
// weights with the heads masked gives exactly its logits.
TEST(PruneToGguf, GivesTheMaskedLogits) {
  for (const auto* files : {&model_files(), &qwen2_files(), &phi3_files()}) {
    const fs::path out = fresh(files->hf_dir.parent_path().filename().string() + "-pruned.gguf");
    write_pruned(*open_model(files->hf_dir), kHeads, out);
    expect_pruned(files->hf_dir, out, 2e-6, 1e-12);
    EXPECT_EQ(logits(out, {}), logits(files->gguf.at(DType::F32), kHeads));
  }
}

// Heads 0:2 and 0:3 are KV head 1 of layer 0 entire: with its v rows
// zeroed their attention outputs are zero; the others' are not.
TEST(PruneToGguf, AWholeKvGroupsAttentionOutputIsZero) {
  const fs::path out = fresh("group.gguf");
  write_pruned(*open_model(model_files().hf_dir), kHeads, out);
  const auto source = open_model(out);
  ThreadPool pool(2);
  Model model(*source, pool);
  const int32_t hd = source->config().head_dim;
  double group_sum = 0, other_sum = 0;
  model.set_attention_probe([&](int32_t layer, std::span<const float> att, int64_t n) {
    for (int64_t t = 0; t < n; ++t)
      for (int32_t h = 0; h < 4; ++h)
        for (int32_t i = 0; i < hd; ++i)
          (layer == 0 && h >= 2 ? group_sum : other_sum) += std::fabs(att[static_cast<size_t>((t * 4 + h) * hd + i)]);
  });
  KVCache cache = model.make_cache(8);
  model.forward(std::vector<int32_t>{1, 450, 4996, 17354, 1701}, cache);
  EXPECT_EQ(group_sum, 0.0);
  EXPECT_GT(other_sum, 0.0);
}

// BF16 weights stay BF16 (GGUF type 30); norms become F32 (exactly), as
// the converter writes them. The logits are the BF16 folder's with the
// heads masked (measured 5.3e-7 relative: the RoPE layout's rounding).
TEST(PruneToGguf, Bf16StaysBf16) {
  const auto files = test::write_forge_model("prune-bf16", 128, 2, 23, "llama", DType::BF16);
  const fs::path out = fresh("bf16.gguf");
  write_pruned(*open_model(files.hf_dir), kHeads, out);
  const auto source = open_model(out);
  EXPECT_EQ(source->get("model.layers.0.self_attn.q_proj.weight").dtype, DType::BF16);
  EXPECT_EQ(source->get("model.embed_tokens.weight").dtype, DType::BF16);
  EXPECT_EQ(source->get("model.layers.0.input_layernorm.weight").dtype, DType::F32);
  expect_pruned(files.hf_dir, out, 2e-6, 1e-12);
}

fs::path copy_of_folder(const fs::path& from, const std::string& name) {
  const fs::path to = fresh(name);
  fs::copy(from, to);
  return to;
}

void edit_json(const fs::path& file, const std::function<void(nlohmann::json&)>& edit) {
  nlohmann::json j = nlohmann::json::parse(std::ifstream(file));
  edit(j);
  std::ofstream(file, std::ios::trunc) << j.dump();
}

// The GGUF's vocabulary tokenizes as the folder's tokenizer.json does, and
// tokenizer_config.json's chat template is tokenizer.chat_template.
TEST(PruneToGguf, CarriesTheTokenizerAndChatTemplate) {
  const fs::path folder = copy_of_folder(model_files().hf_dir, "chat-hf");
  const std::string chat = "{% for m in messages %}[{{ m.role }}] {{ m.content }}\n{% endfor %}";
  edit_json(folder / "tokenizer_config.json", [&](nlohmann::json& j) { j["chat_template"] = chat; });
  const fs::path out = fresh("chat.gguf");
  write_pruned(*open_model(folder), kHeads, out);
  const auto gguf = open_model(out), hf = open_model(folder);
  const auto from_gguf = Tokenizer::load(gguf->tokenizer()), from_json = Tokenizer::load(hf->tokenizer());
  for (const char* text : {"Hello world", "The year 2024: reach-run, llama.cpp & friends!", "naïve café, 日本語 ✓",
                           "  two  spaces\n\nand <s> a special token"})
    EXPECT_EQ(from_gguf->encode(text), from_json->encode(text)) << text;
  EXPECT_EQ(from_gguf->bos_id(), from_json->bos_id());
  EXPECT_EQ(from_gguf->eos_ids(), from_json->eos_ids());
  const MappedFile file(out);
  EXPECT_EQ(parse_gguf(file.bytes(), out.string()).get_string("tokenizer.chat_template"), chat);
}

// A list of named templates: "default" is tokenizer.chat_template, the
// others tokenizer.chat_template.NAME (the name's other characters '_'),
// listed in tokenizer.chat_templates.
TEST(PruneToGguf, NamedChatTemplates) {
  const fs::path folder = copy_of_folder(model_files().hf_dir, "named-chat-hf");
  edit_json(folder / "tokenizer_config.json", [&](nlohmann::json& j) {
    j["chat_template"] = {{{"name", "default"}, {"template", "A"}}, {{"name", "tool use"}, {"template", "B"}}};
  });
  const fs::path out = fresh("named-chat.gguf");
  write_pruned(*open_model(folder), {}, out);
  const MappedFile file(out);
  const GgufFile g = parse_gguf(file.bytes(), out.string());
  EXPECT_EQ(g.get_string("tokenizer.chat_template"), "A");
  EXPECT_EQ(g.get_string("tokenizer.chat_template.tool_use"), "B");
  EXPECT_EQ(g.get_string_array("tokenizer.chat_templates"), std::vector<std::string>{"tool_use"});
}

// A tokenizer the converter cannot write is refused naming the file, before
// anything is written.
TEST(PruneToGguf, RefusesATokenizerItCannotConvert) {
  const fs::path unigram = copy_of_folder(model_files().hf_dir, "unigram-hf");
  edit_json(unigram / "tokenizer.json", [](nlohmann::json& j) { j["model"]["type"] = "Unigram"; });
  const fs::path missing = copy_of_folder(model_files().hf_dir, "missing-hf");
  const auto source = open_model(missing);
  fs::remove(missing / "tokenizer.json");  // gone between loading and writing
  for (const auto& [folder, why] : {std::pair{unigram, std::string("model type 'Unigram': only BPE tokenizers")},
                                    std::pair{missing, std::string("cannot open")}}) {
    const fs::path out = fresh(folder.filename().string() + ".gguf");
    try {
      write_pruned(folder == missing ? *source : *open_model(folder), kHeads, out);
      ADD_FAILURE() << "converted " << folder;
    } catch (const FormatError& e) {
      EXPECT_NE(std::string(e.what()).find((folder / "tokenizer.json").string() + ": "), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
    }
    EXPECT_FALSE(fs::exists(out));
  }
}

}  // namespace
}  // namespace reach::run
