#pragma once
// Byte-level BPE splits text into words with a regex before merging. The
// three regexes in use are implemented by hand (as llama.cpp's unicode.cpp
// does) so the runtime needs no regex engine with Unicode classes:
//
//  kGpt2:   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//  kLlama3: (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
//           ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
//  kQwen2:  kLlama3 with \p{N} instead of \p{N}{1,3}
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace reach::run {

enum class PreTokenizer { kGpt2, kLlama3, kQwen2 };

// The regex of tokenizer.json's Split pre-tokenizer -> which split it is.
std::optional<PreTokenizer> pre_tokenizer_from_regex(std::string_view regex);
// GGUF's tokenizer.ggml.pre name -> which split it is.
std::optional<PreTokenizer> pre_tokenizer_from_gguf_name(std::string_view name);

// The words of text, in order; concatenated they are text again.
std::vector<std::string_view> pre_tokenize(PreTokenizer kind, std::string_view text);

}  // namespace reach::run
