// The GGUF path: the vocabulary llama.cpp's converter would write for each
// real tokenizer (gguf_vocab_from_tokenizer_json, the same code that fills
// the GGUF files the test-model writer and reach-run prune write) must
// tokenize the golden texts to the same ids as the tokenizer.json path.
// Llama-2 exercises the score-driven SentencePiece merge (scores = -id),
// Llama-3 and Qwen3 the ranked byte-level merge with the named pre-tokenizer.
#include <gtest/gtest.h>

#include "tokenizer/gguf_vocab_from_json.h"
#include "tokenizer_test_util.h"

#include <unordered_map>

namespace reach::run::test {
namespace {

class GgufVocabTest : public ::testing::TestWithParam<std::string> {};

// The golden cases that tokenize differently from the goldens.
TEST_P(GgufVocabTest, GoldenIdsFromGgufVocabulary) {
  const GgufVocab vocab = gguf_vocab_from_tokenizer_json(json_source(GetParam()));
  const auto tok = Tokenizer::load(vocab);
  const auto cases = golden_cases(GetParam());
  ASSERT_EQ(cases.size(), 60u);
  for (const GoldenCase& c : cases) {
    EXPECT_EQ(tok->encode(c.text, false), c.ids) << "text " << show(c.text);
    EXPECT_EQ(tok->encode(c.text, true), c.ids_with_special) << "text " << show(c.text) << " with BOS";
    EXPECT_EQ(tok->decode(c.ids), c.decoded) << "text " << show(c.text);
  }
}

// SentencePiece scores that reproduce tokenizer.json's merge ranks: each
// token scores minus the rank of the first merge that makes it.
std::vector<float> scores_from_merge_ranks(const GgufVocab& v, const std::string& name) {
  const nlohmann::json file = read_json(json_source(name).tokenizer_json);
  std::unordered_map<std::string, int32_t> id_of;
  for (int32_t id = 0; id < static_cast<int32_t>(v.tokens.size()); ++id) id_of.emplace(v.tokens[id], id);
  std::vector<float> scores(v.tokens.size(), -1e9f);  // never made by a merge
  int32_t rank = 0;
  for (const auto& m : file["model"]["merges"]) {
    const std::string s = m.get<std::string>();
    const std::string merged = s.substr(0, s.find(' ')) + s.substr(s.find(' ') + 1);
    const int32_t id = id_of.at(merged);
    if (scores[id] == -1e9f) scores[id] = -static_cast<float>(rank);
    ++rank;
  }
  return scores;
}

TEST(GgufVocabScores, RankDerivedScoresReproduceLlama2Goldens) {
  GgufVocab vocab = gguf_vocab_from_tokenizer_json(json_source("llama2"));
  vocab.scores = scores_from_merge_ranks(vocab, "llama2");
  const auto tok = Tokenizer::load(vocab);
  for (const GoldenCase& c : golden_cases("llama2")) {
    EXPECT_EQ(tok->encode(c.text, false), c.ids) << "text " << show(c.text);
    EXPECT_EQ(tok->encode(c.text, true), c.ids_with_special) << "text " << show(c.text) << " with BOS";
    EXPECT_EQ(tok->decode(c.ids), c.decoded) << "text " << show(c.text);
  }
}

TEST_P(GgufVocabTest, SameSpecialTokensAsTokenizerJson) {
  const auto from_gguf = Tokenizer::load(gguf_vocab_from_tokenizer_json(json_source(GetParam())));
  const auto from_json = Tokenizer::load(json_source(GetParam()));
  EXPECT_EQ(from_gguf->vocab_size(), from_json->vocab_size());
  EXPECT_EQ(from_gguf->bos_id(), from_json->bos_id());
  EXPECT_EQ(from_gguf->eos_ids(), from_json->eos_ids());
  for (int32_t id = 0; id < from_json->vocab_size(); ++id) {
    ASSERT_EQ(from_gguf->is_special(id), from_json->is_special(id)) << "id " << id;
    ASSERT_EQ(from_gguf->token_bytes(id), from_json->token_bytes(id)) << "id " << id;
  }
}

INSTANTIATE_TEST_SUITE_P(RealTokenizers, GgufVocabTest, ::testing::ValuesIn(tokenizer_names()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace reach::run::test
