#pragma once
// GPT-2's byte <-> printable code point map. Byte-level BPE vocabularies
// store every token as a string of these stand-in characters, so that
// a space is "Ġ" (U+0120) and a newline "Ċ" (U+010A).
#include <cstdint>
#include <string>
#include <string_view>

namespace reach::run::byte_level {

// The stand-in for byte b, UTF-8 encoded.
const std::string& encode_byte(uint8_t b);
// Maps each byte of raw to its stand-in.
std::string encode(std::string_view raw);
// The byte a stand-in code point stands for, or -1 if it is none.
int decode_char(uint32_t cp);

}  // namespace reach::run::byte_level
