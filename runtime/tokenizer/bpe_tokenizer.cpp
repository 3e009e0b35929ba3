#include "tokenizer/bpe_tokenizer.h"

#include <algorithm>
#include <stdexcept>

#include "tokenizer/byte_level.h"
#include "tokenizer/unicode.h"

namespace reach::run {
namespace {

constexpr std::string_view kMetaspace = "\xE2\x96\x81";  // U+2581, SentencePiece's visible space

std::string replace_spaces(std::string_view text, bool prepend) {
  std::string out;
  out.reserve(text.size() + 8);
  if (prepend) out += kMetaspace;
  for (char c : text) {
    if (c == ' ') out += kMetaspace;
    else out.push_back(c);
  }
  return out;
}

// What a vocabulary entry stands for as raw bytes.
std::string raw_bytes(const TokenizerSpec& spec, int32_t id) {
  const std::string& text = spec.vocab.tokens[id];
  if (spec.family == TokenizerFamily::kByteLevel) {
    std::string out;
    for (const unicode::CodePoint& c : unicode::decode_utf8(text)) {
      const int b = byte_level::decode_char(c.cp);
      if (b >= 0) out.push_back(static_cast<char>(b));
      else out.append(text, c.offset, c.length);  // not a stand-in: keep as written
    }
    return out;
  }
  if (const int b = byte_token_value(text); b >= 0 && spec.byte_ids[b] == id) return std::string(1, static_cast<char>(b));
  std::string out;
  for (size_t i = 0; i < text.size();) {
    if (text.compare(i, kMetaspace.size(), kMetaspace) == 0) { out.push_back(' '); i += kMetaspace.size(); }
    else out.push_back(text[i++]);
  }
  return out;
}

}  // namespace

BpeTokenizer::BpeTokenizer(TokenizerSpec spec) : spec_(std::move(spec)), added_by_first_byte_(256) {
  for (const AddedToken& t : spec_.added) added_by_first_byte_[static_cast<uint8_t>(t.content[0])].push_back(&t);
  for (auto& list : added_by_first_byte_)
    std::stable_sort(list.begin(), list.end(),
                     [](const AddedToken* a, const AddedToken* b) { return a->content.size() > b->content.size(); });
  bytes_of_.resize(spec_.vocab.tokens.size());
  for (int32_t id = 0; id < vocab_size(); ++id) bytes_of_[id] = raw_bytes(spec_, id);
  for (const AddedToken& t : spec_.added) bytes_of_[t.id] = t.content;  // added tokens are literal text
}

bool BpeTokenizer::is_special(int32_t id) const {
  return id >= 0 && id < vocab_size() && spec_.special[id];
}

void BpeTokenizer::check_id(int32_t id) const {
  if (id < 0 || id >= vocab_size())
    throw std::out_of_range("token id " + std::to_string(id) + " is outside the vocabulary [0, " +
                            std::to_string(vocab_size()) + ")");
}

std::vector<int32_t> BpeTokenizer::encode(std::string_view text, bool add_bos) const {
  std::vector<int32_t> out;
  if (add_bos && spec_.add_bos && spec_.bos_id >= 0) out.push_back(spec_.bos_id);
  // Added tokens are cut out of the raw text first; the pieces between
  // them are ordinary text.
  size_t segment = 0;
  for (size_t i = 0; i < text.size();) {
    const AddedToken* match = nullptr;
    for (const AddedToken* t : added_by_first_byte_[static_cast<uint8_t>(text[i])]) {
      if (text.compare(i, t->content.size(), t->content) == 0) { match = t; break; }
    }
    if (!match) { ++i; continue; }
    encode_segment(text.substr(segment, i - segment), out);
    out.push_back(match->id);
    i += match->content.size();
    segment = i;
  }
  encode_segment(text.substr(segment), out);
  if (add_bos && spec_.add_eos && !spec_.eos_ids.empty()) out.push_back(spec_.eos_ids.front());
  return out;
}

void BpeTokenizer::encode_segment(std::string_view text, std::vector<int32_t>& out) const {
  if (text.empty()) return;
  if (spec_.family == TokenizerFamily::kByteLevel) encode_byte_level(text, out);
  else encode_sentencepiece(text, out);
}

void BpeTokenizer::encode_byte_level(std::string_view raw, std::vector<int32_t>& out) const {
  std::string text = spec_.nfc ? unicode::nfc(raw) : std::string(raw);
  if (spec_.add_prefix_space && text[0] != ' ') text.insert(text.begin(), ' ');
  for (std::string_view word : pre_tokenize(spec_.pre_tokenizer, text)) {
    const std::string mapped = byte_level::encode(word);
    if (spec_.ignore_merges) {
      if (int32_t id = spec_.vocab.find(mapped); id >= 0) { out.push_back(id); continue; }
    }
    std::vector<BpeSymbol> symbols;
    symbols.reserve(word.size());
    uint32_t offset = 0;
    for (char c : word) {
      const auto length = static_cast<uint32_t>(byte_level::encode_byte(static_cast<uint8_t>(c)).size());
      symbols.push_back({offset, length, spec_.byte_ids[static_cast<uint8_t>(c)]});
      offset += length;
    }
    for (const BpeSymbol& s : bpe_merge(spec_.vocab, mapped, std::move(symbols))) out.push_back(s.id);
  }
}

void BpeTokenizer::encode_sentencepiece(std::string_view raw, std::vector<int32_t>& out) const {
  const std::string text = replace_spaces(raw, spec_.prepend_space);
  const bool ranked = !spec_.vocab.merges.empty();
  auto push_bytes = [&](std::vector<BpeSymbol>& symbols, uint32_t begin, uint32_t length) {
    for (uint32_t k = 0; k < length; ++k)
      symbols.push_back({begin + k, 1, spec_.byte_ids[static_cast<uint8_t>(text[begin + k])]});
  };
  std::vector<BpeSymbol> symbols;
  symbols.reserve(text.size());
  for (const unicode::CodePoint& c : unicode::decode_utf8(text)) {
    const int32_t id = spec_.vocab.find(std::string_view(text).substr(c.offset, c.length));
    // Ranked merges (tokenizer.json) work on ids, so an unknown character
    // falls back to bytes before merging, as the HF tokenizer does; scored
    // merges (llama.cpp) work on text and fall back afterwards.
    if (id < 0 && ranked && spec_.byte_fallback) push_bytes(symbols, c.offset, c.length);
    else symbols.push_back({c.offset, c.length, id});
  }
  bool last_was_unk = false;
  for (const BpeSymbol& s : bpe_merge(spec_.vocab, text, std::move(symbols))) {
    if (s.id >= 0) { out.push_back(s.id); last_was_unk = false; continue; }
    if (spec_.byte_fallback) {
      bool all_bytes = true;
      for (uint32_t k = 0; k < s.length; ++k) all_bytes &= spec_.byte_ids[static_cast<uint8_t>(text[s.begin + k])] >= 0;
      if (all_bytes) {
        for (uint32_t k = 0; k < s.length; ++k) out.push_back(spec_.byte_ids[static_cast<uint8_t>(text[s.begin + k])]);
        last_was_unk = false;
        continue;
      }
    }
    if (spec_.unk_id >= 0 && !last_was_unk) out.push_back(spec_.unk_id);  // consecutive unknowns fuse
    last_was_unk = true;
  }
}

std::string BpeTokenizer::decode(std::span<const int32_t> ids) const {
  std::string out;
  for (int32_t id : ids) {
    check_id(id);
    if (!spec_.special[id]) out += bytes_of_[id];
  }
  if (spec_.family == TokenizerFamily::kSentencePiece && spec_.strip_leading_space && !out.empty() && out[0] == ' ')
    out.erase(0, 1);
  return out;
}

std::string BpeTokenizer::token_bytes(int32_t id) const {
  check_id(id);
  return bytes_of_[id];
}

}  // namespace reach::run
