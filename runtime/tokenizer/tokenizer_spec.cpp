#include "tokenizer/tokenizer_spec.h"

#include <algorithm>
#include <array>

#include "formats/format_error.h"
#include "tokenizer/byte_level.h"

namespace reach::run {

int byte_token_value(std::string_view text) {
  // "<0xNN>" with two upper-case hex digits, as SentencePiece writes them.
  if (text.size() != 6 || text.substr(0, 3) != "<0x" || text[5] != '>') return -1;
  auto hex = [](char c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1; };
  const int hi = hex(text[3]), lo = hex(text[4]);
  return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

void finish_spec(TokenizerSpec& spec, const std::optional<int32_t>& eos_id) {
  const auto n = static_cast<int32_t>(spec.vocab.tokens.size());
  if (n == 0) throw FormatError(spec.file, "the vocabulary is empty");
  auto check = [&](int32_t id, const std::string& what) {
    if (id < -1 || id >= n)
      throw FormatError(spec.file, what + " id " + std::to_string(id) + " is outside the vocabulary [0, " +
                                       std::to_string(n) + ")");
  };
  check(spec.bos_id, "BOS");
  check(spec.unk_id, "unknown-token");
  if (eos_id) check(*eos_id, "EOS");

  spec.byte_ids.assign(256, -1);
  for (int b = 0; b < 256; ++b) {
    if (spec.family == TokenizerFamily::kByteLevel) {
      spec.byte_ids[b] = spec.vocab.find(byte_level::encode_byte(static_cast<uint8_t>(b)));
      if (spec.byte_ids[b] < 0)
        throw FormatError(spec.file, "byte-level vocabulary lacks the token for byte " + std::to_string(b) + " ('" +
                                         byte_level::encode_byte(static_cast<uint8_t>(b)) + "')");
    }
  }
  if (spec.family == TokenizerFamily::kSentencePiece) {
    for (int32_t id = 0; id < n; ++id)
      if (const int b = byte_token_value(spec.vocab.tokens[id]); b >= 0 && spec.byte_ids[b] < 0) spec.byte_ids[b] = id;
  }

  spec.special.assign(n, false);
  for (const AddedToken& t : spec.added) {
    check(t.id, "added token '" + t.content + "'");
    if (t.id < 0) throw FormatError(spec.file, "added token '" + t.content + "' has no id");
    if (t.content.empty()) throw FormatError(spec.file, "added token " + std::to_string(t.id) + " is empty");
    if (t.special) spec.special[t.id] = true;
  }

  // Generation ends on EOS and on the end-of-turn markers chat models emit
  // instead (llama.cpp's end-of-generation set does the same).
  spec.eos_ids.clear();
  if (eos_id && *eos_id >= 0) spec.eos_ids.push_back(*eos_id);
  static constexpr std::array<std::string_view, 7> kEndMarkers = {
      "</s>", "<|end_of_text|>", "<|eot_id|>", "<|eom_id|>", "<|im_end|>", "<|endoftext|>", "<|end|>"};
  for (const AddedToken& t : spec.added) {
    for (std::string_view marker : kEndMarkers)
      if (t.special && t.content == marker && (spec.eos_ids.empty() || spec.eos_ids.front() != t.id) &&
          std::find(spec.eos_ids.begin(), spec.eos_ids.end(), t.id) == spec.eos_ids.end())
        spec.eos_ids.push_back(t.id);
  }
}

}  // namespace reach::run
