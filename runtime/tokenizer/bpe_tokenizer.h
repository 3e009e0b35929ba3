#pragma once
// The one Tokenizer implementation: byte-level or SentencePiece BPE as the
// spec says. Encoding is: split out added/special tokens (longest match
// first), normalize each remaining segment, pre-tokenize it into words,
// BPE-merge each word, map leftovers to byte tokens.
#include "tokenizer/tokenizer.h"
#include "tokenizer/tokenizer_spec.h"

namespace reach::run {

class BpeTokenizer final : public Tokenizer {
 public:
  explicit BpeTokenizer(TokenizerSpec spec);

  std::vector<int32_t> encode(std::string_view text, bool add_bos = true) const override;
  std::string decode(std::span<const int32_t> ids) const override;
  std::string token_bytes(int32_t id) const override;

  int32_t vocab_size() const override { return static_cast<int32_t>(spec_.vocab.tokens.size()); }
  int32_t bos_id() const override { return spec_.bos_id; }
  std::vector<int32_t> eos_ids() const override { return spec_.eos_ids; }
  bool is_special(int32_t id) const override;

 private:
  void encode_segment(std::string_view text, std::vector<int32_t>& out) const;
  void encode_byte_level(std::string_view text, std::vector<int32_t>& out) const;
  void encode_sentencepiece(std::string_view text, std::vector<int32_t>& out) const;
  void check_id(int32_t id) const;

  TokenizerSpec spec_;
  std::vector<std::vector<const AddedToken*>> added_by_first_byte_;  // longest first
  std::vector<std::string> bytes_of_;  // id -> token_bytes, precomputed
};

}  // namespace reach::run
