// Broken tokenizer files and vocabularies must be FormatErrors that name the
// file and the problem: never a crash, never a silently wrong tokenizer.
#include <gtest/gtest.h>

#include <fstream>

#include "formats/format_error.h"
#include "tokenizer_test_util.h"

namespace reach::run::test {
namespace {

namespace fs = std::filesystem;

// A minimal valid byte-level tokenizer.json: all 256 byte tokens plus one merge.
nlohmann::json tiny_byte_level() {
  nlohmann::json vocab = nlohmann::json::object();
  for (int b = 0; b < 256; ++b) {
    // GPT-2's stand-ins: printable bytes are themselves, the rest from U+0100 up.
    static int shifted = 0;
    if (b == 0) shifted = 0;
    const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
    const uint32_t cp = printable ? b : 0x100 + shifted++;
    std::string s;
    if (cp < 0x80) s.push_back(static_cast<char>(cp));
    else { s.push_back(static_cast<char>(0xC0 | (cp >> 6))); s.push_back(static_cast<char>(0x80 | (cp & 0x3F))); }
    vocab[s] = b;
  }
  vocab["ab"] = 256;
  return {
      {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", {"a b"}}}},
      {"added_tokens", {{{"id", 257}, {"content", "<|end|>"}, {"special", true}}}},
      {"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}}},
      {"decoder", {{"type", "ByteLevel"}}},
  };
}

class MalformedTokenizerJson : public ::testing::Test {
 protected:
  // One folder per test: ctest runs tests in parallel processes.
  fs::path dir_ = fs::path(::testing::TempDir()) /
                  (std::string("reach_tokenizer_") + ::testing::UnitTest::GetInstance()->current_test_info()->name());
  void SetUp() override { fs::create_directories(dir_); }

  fs::path write(const std::string& name, const std::string& text) {
    const fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }
  // The error message of loading text as tokenizer.json; "" if it loaded.
  std::string load_error(const std::string& text, const std::string& config = "") {
    const fs::path json = write("tokenizer.json", text);
    const fs::path cfg = config.empty() ? fs::path() : write("tokenizer_config.json", config);
    try {
      Tokenizer::load(TokenizerJsonFile{json, cfg});
    } catch (const FormatError& e) {
      EXPECT_NE(std::string(e.what()).find("tokenizer"), std::string::npos) << "message does not name the file: " << e.what();
      return e.what();
    }
    return "";
  }
};

TEST_F(MalformedTokenizerJson, TheTinyTokenizerLoadsAndWorks) {
  const fs::path p = write("tokenizer.json", tiny_byte_level().dump());
  const auto tok = Tokenizer::load(TokenizerJsonFile{p, {}});
  EXPECT_EQ(tok->vocab_size(), 258);
  EXPECT_EQ(tok->encode("ab<|end|>a", false), (std::vector<int32_t>{256, 257, 'a'}));
  EXPECT_EQ(tok->eos_ids(), std::vector<int32_t>{257});
  EXPECT_TRUE(tok->is_special(257));
}

TEST_F(MalformedTokenizerJson, BadJsonNamesFileAndOffset) {
  const std::string e = load_error("{\"model\": {\"type\": \"BPE\",, }");
  EXPECT_NE(e.find("tokenizer.json: offset 26"), std::string::npos) << e;
  EXPECT_NE(e.find("invalid JSON"), std::string::npos) << e;
}

// Found by tokenizer_json_fuzzer: nlohmann::json reports a number too large
// for a double as out_of_range, not parse_error.
TEST_F(MalformedTokenizerJson, NumberOverflowIsAFormatError) {
  const std::string e = load_error("{\"model\": 666.6E040000029853253468622}");
  EXPECT_NE(e.find("invalid JSON"), std::string::npos) << e;
}

TEST_F(MalformedTokenizerJson, MissingFile) {
  try {
    Tokenizer::load(TokenizerJsonFile{dir_ / "no-such-tokenizer.json", {}});
    FAIL() << "loaded a missing file";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("no-such-tokenizer.json: cannot open"), std::string::npos) << e.what();
  }
}

TEST_F(MalformedTokenizerJson, MissingModel) {
  EXPECT_NE(load_error("{}").find("lacks 'model'"), std::string::npos);
  EXPECT_NE(load_error("[1, 2]").find("not a JSON object"), std::string::npos);
}

TEST_F(MalformedTokenizerJson, UnknownModelType) {
  auto j = tiny_byte_level();
  j["model"]["type"] = "Unigram";
  EXPECT_NE(load_error(j.dump()).find("unsupported model type 'Unigram'"), std::string::npos);
}

TEST_F(MalformedTokenizerJson, MergeNamingUnknownToken) {
  auto j = tiny_byte_level();
  j["model"]["merges"] = {"a b", "ab zz"};
  const std::string e = load_error(j.dump());
  EXPECT_NE(e.find("merge 1 ('ab' 'zz') names a token not in the vocabulary"), std::string::npos) << e;
  j["model"]["merges"] = {"abc"};
  EXPECT_NE(load_error(j.dump()).find("not two tokens"), std::string::npos);
  j["model"]["merges"] = {42};
  EXPECT_NE(load_error(j.dump()).find("neither"), std::string::npos);
}

TEST_F(MalformedTokenizerJson, IdOutOfRange) {
  auto j = tiny_byte_level();
  j["model"]["vocab"]["ab"] = 1000000000;  // would size a table of a billion strings
  const std::string e = load_error(j.dump());
  EXPECT_NE(e.find("id 1000000000 is outside [0, 258)"), std::string::npos) << e;
  j["model"]["vocab"]["ab"] = -3;
  EXPECT_NE(load_error(j.dump()).find("id -3 is outside"), std::string::npos);
  j["model"]["vocab"]["ab"] = "seven";
  EXPECT_NE(load_error(j.dump()).find("not an integer"), std::string::npos);
}

TEST_F(MalformedTokenizerJson, DuplicateIds) {
  auto j = tiny_byte_level();
  j["model"]["vocab"]["ab"] = 5;
  const std::string e = load_error(j.dump());
  EXPECT_NE(e.find("vocab id 5 is used twice"), std::string::npos) << e;
}

TEST_F(MalformedTokenizerJson, MissingByteTokens) {
  auto j = tiny_byte_level();
  j["model"]["vocab"].erase("a");
  j["model"]["vocab"]["not-a"] = 97;
  j["model"]["merges"] = nlohmann::json::array();
  EXPECT_NE(load_error(j.dump()).find("lacks the token for byte 97"), std::string::npos);
}

TEST_F(MalformedTokenizerJson, UnsupportedComponents) {
  auto j = tiny_byte_level();
  j["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Regex", "\\w+"}}}, {"behavior", "Isolated"}};
  EXPECT_NE(load_error(j.dump()).find("unsupported pre-tokenizer regex '\\w+'"), std::string::npos);
  j = tiny_byte_level();
  j["normalizer"] = {{"type", "Lowercase"}};
  EXPECT_NE(load_error(j.dump()).find("unsupported normalizer 'Lowercase'"), std::string::npos);
  j = tiny_byte_level();
  j["decoder"] = {{"type", "WordPiece"}};
  EXPECT_NE(load_error(j.dump()).find("unsupported decoder 'WordPiece'"), std::string::npos);
  j = tiny_byte_level();
  j.erase("pre_tokenizer");
  EXPECT_NE(load_error(j.dump()).find("unknown BPE flavour"), std::string::npos);
  j = tiny_byte_level();
  j["pre_tokenizer"]["add_prefix_space"] = "yes";  // wrong type deep inside
  EXPECT_NE(load_error(j.dump()).find("wrong type"), std::string::npos);
  j = tiny_byte_level();
  j["pre_tokenizer"] = {{"type", "Split"}, {"pattern", 7}, {"behavior", "Isolated"}};
  EXPECT_NE(load_error(j.dump()).find("wrong type"), std::string::npos);
}

TEST_F(MalformedTokenizerJson, ConfigNamingUnknownBos) {
  const std::string e = load_error(tiny_byte_level().dump(), R"({"add_bos_token": true, "bos_token": "<nope>"})");
  EXPECT_NE(e.find("tokenizer_config.json: bos_token '<nope>' is not in the vocabulary"), std::string::npos) << e;
  EXPECT_NE(load_error(tiny_byte_level().dump(), "{").find("tokenizer_config.json: offset"), std::string::npos);
}

// --- GGUF vocabularies -------------------------------------------------------

GgufVocab tiny_spm() {
  GgufVocab v;
  v.file = "tiny.gguf";
  v.model = "llama";
  v.tokens = {"<unk>", "<s>", "</s>", "\xE2\x96\x81", "a", "b", "\xE2\x96\x81" "a", "ab"};
  v.scores = {0, 0, 0, -1, -2, -3, -4, -5};
  v.token_types = {2, 3, 3, 1, 1, 1, 1, 1};
  v.bos_id = 1;
  v.eos_id = 2;
  v.unk_id = 0;
  v.add_bos = true;
  return v;
}

std::string gguf_error(const GgufVocab& v) {
  try {
    Tokenizer::load(v);
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("tiny.gguf: "), std::string::npos) << e.what();
    return e.what();
  }
  return "";
}

TEST(MalformedGgufVocab, TheTinyVocabularyWorks) {
  const auto tok = Tokenizer::load(tiny_spm());
  // "▁a" scores above "ab", so " ab" is ▁a + b; "c" has no token and no byte token: <unk>.
  EXPECT_EQ(tok->encode("ab c", true), (std::vector<int32_t>{1, 6, 5, 3, 0}));
  EXPECT_EQ(tok->decode(std::vector<int32_t>{1, 6, 5, 3, 0}), "ab ");
}

TEST(MalformedGgufVocab, Rejected) {
  GgufVocab v = tiny_spm();
  v.tokens.clear();
  EXPECT_NE(gguf_error(v).find("tokenizer.ggml.tokens is empty"), std::string::npos);
  v = tiny_spm();
  v.scores.pop_back();
  EXPECT_NE(gguf_error(v).find("scores has 7 entries for 8 tokens"), std::string::npos);
  v = tiny_spm();
  v.token_types[4] = 42;
  EXPECT_NE(gguf_error(v).find("unknown token type 42"), std::string::npos);
  v = tiny_spm();
  v.model = "bert";
  EXPECT_NE(gguf_error(v).find("unsupported tokenizer.ggml.model 'bert'"), std::string::npos);
  v = tiny_spm();
  v.bos_id = 8;
  EXPECT_NE(gguf_error(v).find("BOS id 8 is outside the vocabulary"), std::string::npos);
  v = tiny_spm();
  v.eos_id = 1 << 30;
  EXPECT_NE(gguf_error(v).find("EOS id"), std::string::npos);
  v = tiny_spm();
  v.scores.clear();
  EXPECT_NE(gguf_error(v).find("scores is missing"), std::string::npos);
  v = tiny_spm();
  v.token_types[4] = 6;  // a byte token must be spelled <0xNN>
  EXPECT_NE(gguf_error(v).find("is not <0xNN>"), std::string::npos);

  v = tiny_spm();
  v.model = "gpt2";
  v.pre = "llama-bpe";
  v.merges = {"a b"};
  EXPECT_NE(gguf_error(v).find("lacks the token for byte"), std::string::npos);
  v.pre = "tekken";
  EXPECT_NE(gguf_error(v).find("unsupported tokenizer.ggml.pre 'tekken'"), std::string::npos);
  v.pre = "default";  // llama.cpp's "default" is not GPT-2's regex
  EXPECT_NE(gguf_error(v).find("unsupported tokenizer.ggml.pre 'default'"), std::string::npos);
  v.pre = "gpt-2";
  v.merges = {"a q"};
  EXPECT_NE(gguf_error(v).find("merge 0 ('a' 'q') names a token not in the vocabulary"), std::string::npos);
}

}  // namespace
}  // namespace reach::run::test
