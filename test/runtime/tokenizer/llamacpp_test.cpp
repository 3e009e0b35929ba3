// The GGUF path against llama.cpp itself: the test-model writer writes a GGUF
// file with each real vocabulary, llama.cpp (node-llama-cpp) tokenizes the
// golden texts from it (llamacpp_tokenize.mjs), and reach-run's tokenizer,
// loaded from the same file through open_model, must produce the same ids.
// For Llama-2 this checks the score-driven SentencePiece merge against
// llm_tokenizer_spm; for Llama-3 and Qwen3 the pre-tokenizer regexes and
// ranked merges against llama.cpp's.
#include <gtest/gtest.h>

#include <cstdlib>
#include <set>

#include "formats/model_source.h"
#include "test_model_writer.h"
#include "tokenizer_test_util.h"

namespace reach::run::test {
namespace {

namespace fs = std::filesystem;

// Texts on which llama.cpp knowingly differs from the model's own tokenizer
// (tokenizer.json), which reach-run follows; see docs/tokenizer.md.
std::set<std::string> known_differences(const std::string& name) {
  if (name == "qwen3") {
    return {
        // llama.cpp does not apply Qwen's NFC normalizer.
        "Decomposed: cafe\u0301 na\u0131\u0308ve",
        // llama.cpp promotes the ordinary Qwen token "</s>" to a control token
        // (its end-of-generation heuristics) and so matches it in text.
        "<s>Hello</s>",
        "Hello <s> world </s> end",
    };
  }
  return {};
}

class LlamaCppTokenizerTest : public ::testing::TestWithParam<std::string> {};

TEST_P(LlamaCppTokenizerTest, SameIdsAsLlamaCppFromTheSameGguf) {
  const std::string name = GetParam();
  const fs::path dir = fs::path(REACH_TEST_OUTPUT_DIR) / ("llamacpp_tokenizer_" + name);
  reach::test::TestModelSpec spec;
  spec.tokenizer_dir = model_dir(name);
  spec.tied_embeddings = true;
  spec.dim = 32;
  spec.n_heads = 2;
  spec.n_kv_heads = 1;
  spec.ffn_dim = 64;
  spec.n_layers = 1;
  spec.gguf_types = {DType::F32};
  const fs::path gguf = reach::test::write_test_model(spec, dir).gguf.at(DType::F32);

  const auto cases = golden_cases(name);
  nlohmann::json texts = nlohmann::json::array();
  for (const GoldenCase& c : cases) texts.push_back(c.text);
  std::ofstream(dir / "texts.json") << texts.dump();
  const std::string command = std::string("\"") + REACH_NODE + "\" \"" + REACH_LLAMACPP_TOKENIZE + "\" \"" +
                              gguf.string() + "\" \"" + (dir / "texts.json").string() + "\" \"" +
                              (dir / "llamacpp.json").string() + "\"";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  const nlohmann::json llamacpp = read_json(dir / "llamacpp.json");
  ASSERT_EQ(llamacpp.size(), cases.size());

  const auto model = open_model(gguf);
  const auto tok = Tokenizer::load(model->tokenizer());
  std::set<std::string> differ;
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::vector<int32_t> expected = llamacpp[i].at("ids");
    const std::vector<int32_t> ours = tok->encode(cases[i].text, false);
    if (ours == expected) continue;
    differ.insert(cases[i].text);
    if (!known_differences(name).count(cases[i].text))
      ADD_FAILURE() << "text " << show(cases[i].text) << "\n  llama.cpp: " << nlohmann::json(expected).dump()
                    << "\n  reach-run: " << nlohmann::json(ours).dump();
  }
  // A known difference that went away should be struck from the list.
  for (const std::string& text : known_differences(name))
    EXPECT_TRUE(differ.count(text)) << "now agrees with llama.cpp: " << show(text);
}

INSTANTIATE_TEST_SUITE_P(RealTokenizers, LlamaCppTokenizerTest, ::testing::ValuesIn(tokenizer_names()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace reach::run::test
