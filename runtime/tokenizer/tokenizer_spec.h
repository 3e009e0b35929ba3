#pragma once
// Everything a tokenizer is, as plain data. The two loaders
// (load_tokenizer_json.cpp, load_gguf_vocab.cpp) fill it from their sources
// and validate it; BpeTokenizer runs it.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/bpe.h"
#include "tokenizer/pretokenize.h"

namespace reach::run {

enum class TokenizerFamily {
  kByteLevel,      // GPT-2 style: bytes -> stand-in characters, regex split, ranked merges
  kSentencePiece,  // Llama-2 style: spaces -> U+2581, whole segment merged, <0xNN> byte fallback
};

struct AddedToken {
  std::string content;  // matched verbatim in the input text, before any normalization
  int32_t id;
  bool special;         // control token: skipped by decode
};

struct TokenizerSpec {
  std::string file;  // named in errors
  TokenizerFamily family = TokenizerFamily::kByteLevel;
  BpeVocab vocab;    // ids dense in [0, vocab.tokens.size())

  // Byte-level only.
  PreTokenizer pre_tokenizer = PreTokenizer::kGpt2;
  bool nfc = false;               // Qwen's normalizer
  bool add_prefix_space = false;  // ByteLevel pre-tokenizer option
  bool ignore_merges = false;     // a word that is itself a token skips merging (Llama-3)

  // SentencePiece only.
  bool prepend_space = true;       // "▁" before each text segment
  bool byte_fallback = true;       // unknown characters become <0xNN> tokens
  bool strip_leading_space = true; // decode drops one leading space
  int32_t unk_id = -1;
  std::vector<int32_t> byte_ids = std::vector<int32_t>(256, -1);  // <0xNN> -> id

  std::vector<AddedToken> added;  // matched longest-first in the text before BPE
  std::vector<bool> special;      // id -> control token (decode skips it)
  int32_t bos_id = -1;
  std::vector<int32_t> eos_ids;   // end of generation: EOS and the chat end markers in the vocabulary
  bool add_bos = false;
  bool add_eos = false;
};

// The byte an SentencePiece "<0xNN>" token stands for, or -1.
int byte_token_value(std::string_view text);

// Shared last steps of both loaders: fills byte_ids/special/eos_ids from the
// vocabulary and checks every id the spec holds. Throws FormatError.
void finish_spec(TokenizerSpec& spec, const std::optional<int32_t>& eos_id);

}  // namespace reach::run
