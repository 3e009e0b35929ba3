#pragma once
// Where a tokenizer comes from, as plain data: either a tokenizer.json file
// (HF folders) or the vocabulary a GGUF file carries in its
// tokenizer.ggml.* metadata. The GGUF loader fills GgufVocab; the tokenizer
// library turns either into a Tokenizer.
#include <cstdint>
#include <filesystem>
#include <string>
#include <variant>
#include <vector>

namespace reach::run {

struct GgufVocab {
  std::string model;                 // tokenizer.ggml.model: "llama" (SentencePiece BPE) or "gpt2" (byte-level BPE)
  std::string pre;                   // tokenizer.ggml.pre: pre-tokenizer name ("llama-bpe", "qwen2", "default", ...)
  std::vector<std::string> tokens;   // tokenizer.ggml.tokens
  std::vector<float> scores;         // tokenizer.ggml.scores (SentencePiece), may be empty
  std::vector<int32_t> token_types;  // tokenizer.ggml.token_type: 1 normal, 2 unknown, 3 control, 4 user-defined, 6 byte
  std::vector<std::string> merges;   // tokenizer.ggml.merges ("a b"), byte-level BPE
  int32_t bos_id = -1, eos_id = -1, unk_id = -1, pad_id = -1;
  bool add_bos = false;              // tokenizer.ggml.add_bos_token
  bool add_eos = false;
  bool add_space_prefix = true;      // tokenizer.ggml.add_space_prefix (SentencePiece; llama.cpp's default is true)
  std::string chat_template;         // tokenizer.chat_template (Jinja), "" when the file has none
  std::string file;                  // the .gguf path, named in tokenizer errors (may be empty)
};

struct TokenizerJsonFile {
  std::filesystem::path tokenizer_json;    // tokenizer.json
  std::filesystem::path tokenizer_config;  // tokenizer_config.json beside it, may not exist (decides add_bos)
};

using TokenizerSource = std::variant<TokenizerJsonFile, GgufVocab>;

}  // namespace reach::run
