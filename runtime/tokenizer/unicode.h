#pragma once
// The little Unicode the tokenizers need: UTF-8 <-> code points, the
// character classes of the pre-tokenizer regexes, and NFC.
//
// Text from a prompt is not guaranteed to be valid UTF-8. Rather than reject
// it or replace bytes (which would change the token ids), an invalid byte b
// decodes to the pseudo code point kInvalidByteBase + b: it is in no
// character class, never normalizes, and encodes back to the same byte.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace reach::run::unicode {

constexpr uint32_t kInvalidByteBase = 0x110000;

struct CodePoint {
  uint32_t cp;      // code point, or kInvalidByteBase + byte
  uint32_t offset;  // byte offset in the source text
  uint32_t length;  // bytes it took there (1..4)
};

std::vector<CodePoint> decode_utf8(std::string_view text);
std::vector<uint32_t> code_points(std::string_view text);  // cp only
void append_utf8(std::string& out, uint32_t cp);           // invalid-byte pseudo code points included
std::string encode_utf8(const std::vector<uint32_t>& cps);
// Length of the UTF-8 sequence starting with this lead byte (1 for stray bytes).
size_t utf8_sequence_length(unsigned char lead);

bool is_letter(uint32_t cp);      // \p{L}
bool is_number(uint32_t cp);      // \p{N}
bool is_whitespace(uint32_t cp);  // \s as JavaScript's /u regexes define it
uint8_t combining_class(uint32_t cp);

// Canonical composition (Unicode NFC). Invalid bytes pass through unchanged.
std::string nfc(std::string_view text);

}  // namespace reach::run::unicode
