// GGUF tokenizer.ggml.* metadata -> TokenizerSpec, as llama.cpp reads it:
//  - model "gpt2": byte-level BPE; tokenizer.ggml.merges ranks the merges and
//    tokenizer.ggml.pre names the pre-tokenizer regex;
//  - model "llama": SentencePiece; merges are driven by token scores
//    (llm_tokenizer_spm), tokens of type 6 are the <0xNN> bytes.
// Tokens of type 2 (unknown), 3 (control) and 4 (user-defined) are matched
// verbatim in the text; types 2 and 3 are special (decode skips them).
#include <string>

#include "formats/format_error.h"
#include "tokenizer/load_tokenizer.h"

namespace reach::run {
namespace {

enum TokenType : int32_t { kNormal = 1, kUnknown = 2, kControl = 3, kUserDefined = 4, kUnused = 5, kByte = 6 };

}  // namespace

TokenizerSpec load_gguf_vocab(const GgufVocab& v) {
  const std::string file = v.file.empty() ? std::string("GGUF tokenizer") : v.file;
  TokenizerSpec spec;
  spec.file = file;
  const size_t n = v.tokens.size();
  if (n == 0) throw FormatError(file, "tokenizer.ggml.tokens is empty");
  if (n > static_cast<size_t>(INT32_MAX)) throw FormatError(file, "tokenizer.ggml.tokens has too many entries");
  if (!v.scores.empty() && v.scores.size() != n)
    throw FormatError(file, "tokenizer.ggml.scores has " + std::to_string(v.scores.size()) + " entries for " +
                                std::to_string(n) + " tokens");
  if (!v.token_types.empty() && v.token_types.size() != n)
    throw FormatError(file, "tokenizer.ggml.token_type has " + std::to_string(v.token_types.size()) + " entries for " +
                                std::to_string(n) + " tokens");

  spec.vocab.tokens = v.tokens;
  spec.vocab.ids.reserve(n);
  for (size_t id = 0; id < n; ++id) {
    // A repeated token text keeps its first id, as llama.cpp's token_to_id map does.
    spec.vocab.ids.emplace(v.tokens[id], static_cast<int32_t>(id));
    const int32_t type = v.token_types.empty() ? kNormal : v.token_types[id];
    if (type < 0 || type > kByte)
      throw FormatError(file, "token " + std::to_string(id) + " has unknown token type " + std::to_string(type));
    if (type == kUnknown || type == kControl || type == kUserDefined) {
      if (v.tokens[id].empty()) continue;  // an empty control token cannot be written in text
      spec.added.push_back({v.tokens[id], static_cast<int32_t>(id), type != kUserDefined});
    }
  }

  if (v.model == "gpt2") {
    spec.family = TokenizerFamily::kByteLevel;
    const auto pre = pre_tokenizer_from_gguf_name(v.pre);
    if (!pre)
      throw FormatError(file, "unsupported tokenizer.ggml.pre '" + v.pre + "' (supported: llama-bpe, qwen2, gpt-2)");
    spec.pre_tokenizer = *pre;
    // Llama-3's tokenizer takes a word that is itself a token whole (llama.cpp: ignore_merges).
    spec.ignore_merges = *pre == PreTokenizer::kLlama3;
    // Qwen's tokenizer.json normalizes to NFC; llama.cpp does not, we do (see docs/tokenizer.md).
    spec.nfc = *pre == PreTokenizer::kQwen2;
    if (v.merges.empty()) throw FormatError(file, "tokenizer.ggml.merges is missing for a gpt2 tokenizer");
    spec.vocab.merges.reserve(v.merges.size());
    for (size_t rank = 0; rank < v.merges.size(); ++rank) {
      const std::string& m = v.merges[rank];
      const size_t space = m.find(' ', 1);  // a token may itself be a space; the separator is the first one after it
      if (space == std::string::npos || space + 1 >= m.size())
        throw FormatError(file, "merge " + std::to_string(rank) + " '" + m + "' is not two tokens separated by a space");
      const std::string left = m.substr(0, space), right = m.substr(space + 1);
      const int32_t a = spec.vocab.find(left), b = spec.vocab.find(right), merged = spec.vocab.find(left + right);
      if (a < 0 || b < 0 || merged < 0)
        throw FormatError(file, "merge " + std::to_string(rank) + " ('" + left + "' '" + right + "') names a token not in the vocabulary");
      spec.vocab.merges.emplace(BpeVocab::pair_key(a, b), std::pair{static_cast<int32_t>(rank), merged});
    }
  } else if (v.model == "llama") {
    spec.family = TokenizerFamily::kSentencePiece;
    if (v.scores.empty()) throw FormatError(file, "tokenizer.ggml.scores is missing for a llama (SentencePiece) tokenizer");
    spec.vocab.scores = v.scores;
    spec.prepend_space = v.add_space_prefix;
    spec.strip_leading_space = v.add_space_prefix;
    spec.byte_fallback = true;
    spec.unk_id = v.unk_id;
  } else {
    throw FormatError(file, "unsupported tokenizer.ggml.model '" + v.model + "' (supported: llama, gpt2)");
  }

  spec.bos_id = v.bos_id;
  spec.add_bos = v.add_bos && v.bos_id >= 0;
  spec.add_eos = v.add_eos && v.eos_id >= 0;
  finish_spec(spec, v.eos_id >= 0 ? std::optional<int32_t>(v.eos_id) : std::nullopt);
  if (spec.family == TokenizerFamily::kSentencePiece && !v.token_types.empty()) {
    // Byte tokens are the ones typed 6; trust the type over the spelling.
    for (size_t id = 0; id < n; ++id)
      if (v.token_types[id] == kByte) {
        const int b = byte_token_value(v.tokens[id]);
        if (b < 0) throw FormatError(file, "byte token " + std::to_string(id) + " '" + v.tokens[id] + "' is not <0xNN>");
        spec.byte_ids[b] = static_cast<int32_t>(id);
      }
  }
  return spec;
}

}  // namespace reach::run
