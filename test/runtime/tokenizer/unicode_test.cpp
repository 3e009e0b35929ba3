// The hand-written pieces under the tokenizers: UTF-8 decoding with invalid
// bytes kept, character classes, NFC, the GPT-2 byte map and the three
// pre-tokenizer splits (checked against splits the real regexes make).
#include <gtest/gtest.h>

#include <set>

#include "tokenizer/byte_level.h"
#include "tokenizer/pretokenize.h"
#include "tokenizer/unicode.h"

namespace reach::run {
namespace {

TEST(Unicode, InvalidBytesSurviveARoundTrip) {
  const std::string text = "a\xC3\xA9\xFF\xE2\x82z\xED\xA0\x80\xF0\x9F\x98\x80";  // é, stray, truncated, surrogate, 😀
  const auto cps = unicode::decode_utf8(text);
  EXPECT_EQ(cps[0].cp, 'a');
  EXPECT_EQ(cps[1].cp, 0xE9u);
  EXPECT_EQ(cps[2].cp, unicode::kInvalidByteBase + 0xFF);
  EXPECT_EQ(cps[3].cp, unicode::kInvalidByteBase + 0xE2);
  EXPECT_EQ(cps.back().cp, 0x1F600u);
  EXPECT_EQ(unicode::encode_utf8(unicode::code_points(text)), text);
  EXPECT_EQ(unicode::nfc(text), text);
}

TEST(Unicode, CharacterClasses) {
  for (uint32_t cp : std::initializer_list<uint32_t>{'a', 'Z', 0xE9u, 0x4E2Du /*中*/, 0x0416u /*Ж*/, 0x0645u /*م*/, 0xAC00u /*가*/})
    EXPECT_TRUE(unicode::is_letter(cp)) << std::hex << cp;
  for (uint32_t cp : std::initializer_list<uint32_t>{'0', '9', 0x0663u /*٣*/, 0x00B2u /*²*/, 0x2167u /*Ⅷ*/}) EXPECT_TRUE(unicode::is_number(cp)) << std::hex << cp;
  for (uint32_t cp : std::initializer_list<uint32_t>{' ', '!', 0x1F600u, 0x0301u, unicode::kInvalidByteBase + 0x80}) {
    EXPECT_FALSE(unicode::is_letter(cp)) << std::hex << cp;
    EXPECT_FALSE(unicode::is_number(cp)) << std::hex << cp;
  }
  for (uint32_t cp : std::initializer_list<uint32_t>{' ', '\t', '\n', '\r', 0x0Bu, 0xA0u, 0x3000u, 0x2009u}) EXPECT_TRUE(unicode::is_whitespace(cp));
  EXPECT_FALSE(unicode::is_whitespace('x'));
  EXPECT_FALSE(unicode::is_whitespace(0x200Bu));  // zero-width space is not \s
}

TEST(Unicode, Nfc) {
  EXPECT_EQ(unicode::nfc("cafe\xCC\x81"), "caf\xC3\xA9");                    // e + combining acute -> é
  EXPECT_EQ(unicode::nfc("\xE1\x84\x92\xE1\x85\xA1\xE1\x86\xAB"), "\xED\x95\x9C");  // Hangul jamo -> 한
  EXPECT_EQ(unicode::nfc("\xE2\x84\xAB"), "\xC3\x85");                       // Å (angstrom sign) -> Å
  // Canonical reordering: a + dot below (220) after acute (230) -> ạ + acute = U+1EA1 U+0301.
  EXPECT_EQ(unicode::nfc("a\xCC\x81\xCC\xA3"), "\xE1\xBA\xA1\xCC\x81");
  EXPECT_EQ(unicode::nfc("plain ascii"), "plain ascii");
  EXPECT_EQ(unicode::nfc("\xCC\x81" "a"), "\xCC\x81" "a");                  // leading mark stays
}

TEST(ByteLevel, MapIsABijectionOntoPrintableCharacters) {
  std::set<std::string> seen;
  for (int b = 0; b < 256; ++b) {
    const std::string& s = byte_level::encode_byte(static_cast<uint8_t>(b));
    EXPECT_TRUE(seen.insert(s).second);
    EXPECT_EQ(byte_level::decode_char(unicode::code_points(s)[0]), b);
  }
  EXPECT_EQ(byte_level::encode(" \n"), "\xC4\xA0\xC4\x8A");  // Ġ Ċ
  EXPECT_EQ(byte_level::decode_char(0x4E2D), -1);
}

std::vector<std::string> split(PreTokenizer kind, std::string_view text) {
  std::vector<std::string> out;
  for (auto w : pre_tokenize(kind, text)) out.emplace_back(w);
  return out;
}

using Words = std::vector<std::string>;

// Expected splits are those of the real regexes (JavaScript /u semantics).
TEST(PreTokenize, Llama3) {
  EXPECT_EQ(split(PreTokenizer::kLlama3, "Hello, world! It's 2024-12345."),
            (Words{"Hello", ",", " world", "!", " It", "'s", " ", "202", "4", "-", "123", "45", "."}));
  EXPECT_EQ(split(PreTokenizer::kLlama3, "a  b\n\n  c   "), (Words{"a", " ", " b", "\n\n", " ", " c", "   "}));
  EXPECT_EQ(split(PreTokenizer::kLlama3, "I'M \tx ...\n\ny"), (Words{"I", "'M", " ", "\tx", " ...\n\n", "y"}));
}

TEST(PreTokenize, Qwen2SplitsDigitsOneByOne) {
  EXPECT_EQ(split(PreTokenizer::kQwen2, "x 1234"), (Words{"x", " ", "1", "2", "3", "4"}));
}

TEST(PreTokenize, Gpt2) {
  EXPECT_EQ(split(PreTokenizer::kGpt2, "Hello world's 12345 !!  x"),
            (Words{"Hello", " world", "'s", " 12345", " !!", " ", " x"}));
  EXPECT_EQ(split(PreTokenizer::kGpt2, "I'M"), (Words{"I", "'", "M"}));  // case-sensitive contractions
}

TEST(PreTokenize, WordsConcatenateToTheText) {
  const std::string text = "Mixed 中文 and English, 123数字\t\n \xFF bad byte 👨‍👩‍👧 ";
  for (PreTokenizer kind : {PreTokenizer::kGpt2, PreTokenizer::kLlama3, PreTokenizer::kQwen2}) {
    std::string joined;
    for (auto w : pre_tokenize(kind, text)) joined += w;
    EXPECT_EQ(joined, text);
  }
}

}  // namespace
}  // namespace reach::run
