#pragma once
// Reads a Hugging Face tokenizer folder (tokenizer.json +
// tokenizer_config.json) into the vocabulary llama.cpp's converter would
// write to GGUF: tokens by id, types, scores or merges, special ids.
#include <filesystem>

#include "tokenizer/tokenizer_data.h"

namespace reach::test {

// Throws std::runtime_error when the folder holds something other than a BPE
// tokenizer.json of the two supported kinds.
run::GgufVocab gguf_vocab_from_hf_tokenizer(const std::filesystem::path& folder);

}  // namespace reach::test
