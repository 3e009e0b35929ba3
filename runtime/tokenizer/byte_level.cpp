#include "tokenizer/byte_level.h"

#include <array>

#include "tokenizer/unicode.h"

namespace reach::run::byte_level {
namespace {

// Printable Latin-1 bytes stand for themselves; the other 68 bytes are
// shifted to U+0100 and up, in byte order (bytes_to_unicode in GPT-2's encoder.py).
uint32_t stand_in(int b) {
  const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
  if (printable) return static_cast<uint32_t>(b);
  int shifted = 0;
  for (int k = 0; k < b; ++k)
    if (!((k >= '!' && k <= '~') || (k >= 0xA1 && k <= 0xAC) || (k >= 0xAE && k <= 0xFF))) ++shifted;
  return 0x100 + static_cast<uint32_t>(shifted);
}

struct Tables {
  std::array<std::string, 256> encoded;
  std::array<int16_t, 0x200> decoded;  // stand-ins all lie below U+0200
  Tables() {
    decoded.fill(-1);
    for (int b = 0; b < 256; ++b) {
      const uint32_t cp = stand_in(b);
      unicode::append_utf8(encoded[b], cp);
      decoded[cp] = static_cast<int16_t>(b);
    }
  }
};

const Tables& tables() {
  static const Tables t;
  return t;
}

}  // namespace

const std::string& encode_byte(uint8_t b) { return tables().encoded[b]; }

std::string encode(std::string_view raw) {
  std::string out;
  out.reserve(raw.size() * 2);
  for (char c : raw) out += encode_byte(static_cast<uint8_t>(c));
  return out;
}

int decode_char(uint32_t cp) { return cp < 0x200 ? tables().decoded[cp] : -1; }

}  // namespace reach::run::byte_level
