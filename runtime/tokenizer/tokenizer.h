#pragma once
// Text <-> token ids. One class for both families the runtime supports:
//  - byte-level BPE (GPT-2 style; Llama-3, Qwen2/3): bytes mapped to
//    printable code points, regex pre-tokenization, ranked merges;
//  - SentencePiece-style BPE with byte fallback (Llama-2): spaces become
//    U+2581, a leading one is added, unknown bytes become <0xNN> tokens.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/tokenizer_data.h"

namespace reach::run {

class Tokenizer {
 public:
  // Throws FormatError (formats/format_error.h) naming the file and problem.
  static std::unique_ptr<Tokenizer> load(const TokenizerSource& source);
  virtual ~Tokenizer() = default;

  // Special tokens written in the text ("<|eot_id|>", "<s>") are matched as
  // single ids. add_bos: prepend BOS when the tokenizer's own config says it
  // does (tokenizer_config.json add_bos_token / GGUF add_bos_token /
  // the post_processor of tokenizer.json).
  virtual std::vector<int32_t> encode(std::string_view text, bool add_bos = true) const = 0;
  virtual std::string decode(std::span<const int32_t> ids) const = 0;
  // The raw bytes one token stands for (may be a partial UTF-8 sequence);
  // streaming output concatenates these and prints whole characters.
  virtual std::string token_bytes(int32_t id) const = 0;

  virtual int32_t vocab_size() const = 0;
  virtual int32_t bos_id() const = 0;  // -1: none
  virtual std::vector<int32_t> eos_ids() const = 0;
  virtual bool is_special(int32_t id) const = 0;  // control tokens: not printed by decode
};

}  // namespace reach::run
