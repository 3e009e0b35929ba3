#pragma once
// A Hugging Face tokenizer (tokenizer.json + tokenizer_config.json) as the
// vocabulary llama.cpp's converter (convert_hf_to_gguf.py) writes into a
// GGUF file's tokenizer.ggml.* keys: tokens by id, their types, scores
// (SentencePiece) or merges (byte-level BPE), the pre-tokenizer's name and
// the special ids. Writing a GGUF from an HF folder needs it; reach-run
// reads it back through load_gguf_vocab, and llama.cpp reads it as its own.
// Also the chat templates tokenizer_config.json (or chat_template.jinja)
// carries, which the converter writes as tokenizer.chat_template.
#include <cstdint>
#include <string>
#include <vector>

#include "tokenizer/tokenizer_data.h"

namespace reach::run {

// `n_tokens`: the model's vocabulary (its embedding rows); ids below it that
// the tokenizer does not use are padded as "[PAD<id>]" of type unused, as
// the converter does. 0: the tokenizer's highest id + 1. Throws FormatError
// naming the file for a missing or malformed file, a tokenizer that is not
// BPE of a known kind, or ids past `n_tokens`.
GgufVocab gguf_vocab_from_tokenizer_json(const TokenizerJsonFile& files, int32_t n_tokens = 0);

struct NamedChatTemplate {
  std::string name;  // "" for the default one
  std::string text;  // Jinja
};
// tokenizer_config.json's chat_template (a string, or a list of {"name",
// "template"}), else the chat_template.jinja file beside it; none: empty.
std::vector<NamedChatTemplate> chat_templates(const TokenizerJsonFile& files);

}  // namespace reach::run
